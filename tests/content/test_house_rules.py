"""engine/content/house_rules.py: each rule fires on a lesson that breaks it, with its severity and key path."""

from __future__ import annotations

import pytest

from engine.content.house_rules import check_lesson, stated_numbers
from engine.content.loader import load_course
from engine.content.schema import Lesson
from tests.content.test_loader import write

PROSE = "A paragraph long enough to count as a real section of a lesson, " * 4


def lesson(*sections: dict, references=({"id": "paper", "title": "A paper"},)) -> Lesson:
    practice = {"type": "quiz", "quiz": "some-quiz"}
    return Lesson.model_validate({
        "id": "l", "title": "T", "summary": "S", "order": 1, "estimated_minutes": 10,
        "references": list(references),
        "sections": [{"type": "markdown", "body": PROSE, "cite": ["paper"]}, *sections,
                     {"type": "key_points", "points": ["one idea"]}, {"type": "callout", "body": "note"}, practice],
    })


def found(item: Lesson) -> list[tuple[str, str, str]]:
    return list(check_lesson(item))


def test_a_clean_lesson_has_no_finding():
    assert found(lesson()) == []


def test_the_number_rule_ignores_pointers_names_and_code():
    assert stated_numbers("See lesson 5 and section 4.1 (Table 5).\n1. `r=8` first, in fp16 or NF4 on GPT-3") == []
    assert stated_numbers("A checkpoint of 350 GB, 16,777,216 weights, 4-bit") == ["350", "16,777,216", "4"]


def test_a_number_without_a_source_is_an_error():
    result = found(lesson({"type": "markdown", "body": PROSE + "It saves 350 GB."}))
    assert result == [("sections[1]", "states 350 but cites no source; add `cite: [<reference id>]` "
                       "(code in `backticks` and pointers like 'section 4.1' need none)", "error")]


@pytest.mark.parametrize("section", [
    {"type": "key_points", "points": ["a 7B model"]},
    {"type": "callout", "body": "about 20% slower"},
    {"type": "real_world", "body": PROSE + "on 48 GB"},
    {"type": "figure", "name": "rank_explorer", "caption": "r = 8 gives 65,536"},
    {"type": "code_compare", "left": {"caption": "a", "code": "x"}, "right": {"caption": "b", "code": "y"}, "note": "3x less"},
])
def test_every_kind_of_prose_is_checked_for_numbers(section):
    assert [severity for _, _, severity in found(lesson(section))] == ["error"]


def test_an_analogy_may_use_numbers_without_a_source():
    assert found(lesson({"type": "analogy", "body": PROSE + "a ruler with 32 marks"})) == []


def test_python_that_does_not_parse_is_an_error():
    pane = {"caption": "c", "code": "def f(:\n    pass\n"}
    result = found(lesson({"type": "code_compare", "left": pane, "right": {"caption": "d", "code": "x = 1"}}))
    assert result[0][0] == "sections[1].left.code" and result[0][1].startswith("Python code does not parse:")
    block = found(lesson({"type": "markdown", "body": PROSE + "\n```python\nprint(\n```\n"}))
    assert [(path, severity) for path, _, severity in block] == [("sections[1].body", "error")]


def test_placeholder_text_is_an_error():
    assert found(lesson({"type": "callout", "body": "TODO: write this"}))[0][1] == \
        "placeholder text 'TODO'; write the section or remove it"


def test_an_image_outside_markdown_sections_is_an_error():
    result = found(lesson({"type": "callout", "body": "![alt](images/x.png)"}))
    assert result == [("sections[1]", "images are shown in markdown and real_world sections only, not in a callout", "error")]


def test_references_uncited_and_unpinned_are_warnings():
    refs = ({"id": "paper", "title": "A paper"}, {"id": "lora", "title": "LoRA, arXiv:2106.09685", "url": "https://arxiv.org/pdf/x"})
    result = found(lesson(references=refs))
    assert result == [("references[1]", "reference 'lora' is never cited; cite it or remove it", "warning"),
                      ("references[1].url", "an arXiv paper links to https://arxiv.org/abs/2106.09685", "warning")]


def test_shape_warnings():
    short = Lesson.model_validate({"id": "l", "title": "T", "summary": "S", "order": 1, "estimated_minutes": 5,
                                   "sections": [{"type": "markdown", "body": "Too short."}]})
    assert found(short) == [
        ("sections", "1 sections; a lesson has 4 to 20", "warning"),
        ("sections[0].body", "2 words; a markdown section has at least 40", "warning"),
        ("sections", "the lesson does not end with practice (a `quiz` section)", "warning"),
    ]


def test_the_loader_reports_rules_at_file_line_col(tmp_path):
    from tests.content.test_loader import GOOD

    path = write(tmp_path, "l.yaml", GOOD.replace("    body: Hello.\n    cite: [paper]\n", "    body: Saves 350 GB.\n"))
    course = load_course(lesson_files=[path], quiz_files=[])
    errors = [str(p).split("l.yaml:")[1] for p in course.problems]
    assert errors == ["10:5: sections[0]: states 350 but cites no source; add `cite: [<reference id>]` "
                      "(code in `backticks` and pointers like 'section 4.1' need none)"]
    assert any("warning: references[0]: reference 'paper' is never cited" in str(p) for p in course.warnings)
