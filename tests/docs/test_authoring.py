"""docs/authoring.md: every YAML example validates (or fails as the text says), every graded answer
is graded as shown, and the guide names every section type, figure param, question type, transform and unit."""

from __future__ import annotations

import re
import textwrap
import typing

import pytest

from engine.content.figures import FIGURES
from engine.content.loader import QUIZ_DIR, load_course, yaml_files
from engine.content.schema import SECTION_TYPES
from engine.lab.settings import LabSettings
from engine.quiz.grading import AnswerFormatError, grade_answer
from engine.quiz.parts import Transform
from engine.quiz.schema import QUESTION_TYPES
from engine.quiz.units import known_units
from tests.conftest import ROOT

GUIDE = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
EXAMPLE = re.compile(r"<!-- check: (?P<kind>\w+)(?: \"(?P<fragment>[^\"]+)\")? -->\n(?P<grades>(?:<!-- grade: [^\n]* -->\n)*)"
                     r"```yaml\n(?P<yaml>.*?)```", re.DOTALL)
GRADE = re.compile(r"<!-- grade: \"(?P<raw>.*)\" => (?P<want>correct|wrong|format|mistake [\w-]+) -->")
LESSON = """id: doc-sections
title: "Doc sections"
summary: "Sections from the authoring guide."
order: 991
estimated_minutes: 5
sections:
"""
EXAMPLES = list(EXAMPLE.finditer(GUIDE))


def _problems(tmp_path, name: str, text: str, *, lesson: bool) -> tuple[list[str], object]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    if lesson:
        course = load_course(lesson_files=[path], quiz_files=yaml_files(QUIZ_DIR))
    else:
        course = load_course(lesson_files=[], quiz_files=[path])
    return [str(p) for p in course.problems if str(p).startswith(str(path)) or name in str(p)], course


def _as_quiz(block: str) -> str:
    return "id: doc-example\ntitle: Doc example\nquestions:\n  - " + textwrap.indent(block, "    ").lstrip()


def test_the_guide_has_examples_of_every_kind():
    kinds = [m["kind"] for m in EXAMPLES]
    assert {"lesson", "sections", "question", "invalid", "invalid_lesson"} <= set(kinds) and kinds.count("question") >= 7


@pytest.mark.parametrize("match", EXAMPLES, ids=lambda m: f"line-{GUIDE[:m.start()].count(chr(10)) + 1}")
def test_every_example_validates_and_grades_as_shown(match, tmp_path):
    kind, block = match["kind"], match["yaml"]
    if kind == "lesson":
        assert _problems(tmp_path, "lesson.yaml", block, lesson=True)[0] == []
        return
    if kind == "invalid_lesson":
        problems = _problems(tmp_path, "lesson.yaml", block, lesson=True)[0]
        assert any(match["fragment"] in p for p in problems), problems
        return
    if kind == "sections":
        text = LESSON + textwrap.indent(block, "  ")
        assert _problems(tmp_path, "sections.yaml", text, lesson=True)[0] == []
        return
    problems, course = _problems(tmp_path, "quiz.yaml", _as_quiz(block), lesson=False)
    if kind == "invalid":
        assert any(match["fragment"] in p for p in problems), problems
        return
    assert problems == []
    question = course.quizzes["doc-example"].questions[0]
    for grade in GRADE.finditer(match["grades"]):
        raw, want = grade["raw"].replace("\\n", "\n"), grade["want"]
        if want == "format":
            with pytest.raises(AnswerFormatError):
                grade_answer(question, raw)
            continue
        result = grade_answer(question, raw)
        assert result.correct == (want == "correct"), (raw, result.feedback)
        if want.startswith("mistake"):
            assert result.mistake_id == want.split()[1], (raw, result.feedback)


def test_the_guide_names_every_type_figure_param_transform_and_unit():
    for section_type in SECTION_TYPES:
        assert f"| `{section_type}` |" in GUIDE
    for name, model in FIGURES.items():
        assert f"| `{name}` |" in GUIDE
        for param in model.model_fields:
            assert f"`{param}`" in GUIDE, (name, param)
    for question_type in QUESTION_TYPES:
        assert f"### {question_type}" in GUIDE
    for transform in typing.get_args(Transform):
        assert f"| `{transform}` |" in GUIDE
    for unit in known_units():
        assert f"`{unit}`" in GUIDE, unit
    lab = GUIDE[GUIDE.index("### The lab"):GUIDE.index("<!-- check", GUIDE.index("### The lab"))]
    assert [f for f in LabSettings.model_fields if f"`{f}`" not in lab] == []  # every setting, stop_loss too


def test_the_answer_grammar_and_precision_are_documented():
    assert "\n## How learners may write answers\n" in GUIDE and "\n### Precision\n" in GUIDE
    assert GUIDE.index("## How learners may write answers") < GUIDE.index("## What validate checks")


def test_the_limits_and_safety_section_is_near_the_end():
    assert "\n## Limits and safety\n" in GUIDE
    assert GUIDE.index("## Limits and safety") > GUIDE.index("## What validate checks")
