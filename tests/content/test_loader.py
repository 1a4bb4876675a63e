"""engine/content/loader.py: good files load; each kind of bad file gets its file:line:col message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from engine.content.loader import LESSON_DIR, load_course
from tests.conftest import ROOT

GOOD = """\
id: good-lesson
title: A good lesson
summary: It loads.
order: 1
estimated_minutes: 5
references:
  - id: paper
    title: Some paper
sections:
  - type: markdown
    body: Hello.
    cite: [paper]
  - type: figure
    name: rank_explorer
    params: {rank: 4}
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def problems_for(tmp_path: Path, *files: Path) -> list[str]:
    course = load_course(lesson_files=list(files), quiz_files=[])
    return [str(p).replace(str(tmp_path) + "/", "") for p in course.problems]


def test_good_file_loads(tmp_path):
    course = load_course(lesson_files=[write(tmp_path, "good.yaml", GOOD)], quiz_files=[])
    assert course.problems == []
    lesson = course.lesson("good-lesson")
    assert lesson is not None and lesson.sections[1].parsed_params().rank == 4
    assert lesson.sections[1].parsed_params().d_in == 4096  # defaults filled in


BAD = {
    "syntax": ("id: x\ntitle: [unclosed\n", "3:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence started at line 2, column 8)"),
    "duplicate key": (GOOD.replace("order: 1\n", "order: 1\norder: 2\n"), "5:1: order: duplicate key 'order' (first defined at line 4)"),
    "tab indentation": (GOOD.replace("  - type: markdown\n", "\t- type: markdown\n"), "10:1: tab used for indentation"),
    "wrong type": (GOOD.replace("order: 1", "order: first"), "4:8: order: input should be a valid integer"),
    "missing field": (GOOD.replace("title: A good lesson\n", ""), "1:1: title: missing required field 'title'"),
    "unknown key": (GOOD.replace("summary:", "sumary:"), "3:1: sumary: unknown key 'sumary' (did you mean 'summary'?)"),
    "unknown section type": (GOOD.replace("type: markdown", "type: quizz"), "10:11: sections[0].type: unknown section type 'quizz' (expected one of: markdown,"),
    "unknown widget": (GOOD.replace("name: rank_explorer", "name: rank_explorrer"), "14:11: sections[1].name: unknown figure 'rank_explorrer'"),
    "bad widget param": (GOOD.replace("{rank: 4}", "{rank: 0}"), "15:20: sections[1].params.rank: figure 'rank_explorer': input should be greater than or equal to 1"),
    "unknown quiz": (GOOD + "  - type: quiz\n    quiz: no-such-quiz\n", "17:11: sections[2].quiz: unknown quiz 'no-such-quiz'"),
    "unknown lesson": (GOOD.replace("order: 1\n", "order: 1\nprerequisites: [missing-lesson]\n"), "5:17: prerequisites[0]: unknown lesson 'missing-lesson'"),
    "unknown reference": (GOOD.replace("cite: [paper]", "cite: [papr]"), "12:12: sections[0].cite[0]: unknown reference 'papr'"),
    "empty": ("", "1:1: file is empty"),
    "only comments": ("# nothing here\n", "1:1: file is empty"),
    "not utf-8": (GOOD.encode("utf-8").replace(b"Hello.", b"H\xe9llo."), "11:12: file is not valid UTF-8 (byte 0xe9)"),
    "not a mapping": ("- just\n- a list\n", "1:1: expected a mapping"),
}


@pytest.mark.parametrize("kind", sorted(BAD))
def test_each_kind_of_bad_file_is_located(tmp_path, kind):
    text, expected = BAD[kind]
    problems = problems_for(tmp_path, write(tmp_path, "bad.yaml", text))
    assert any(p.startswith("bad.yaml:" + expected) for p in problems), problems


def test_duplicate_lesson_id_names_both_files(tmp_path):
    first, second = write(tmp_path, "a.yaml", GOOD), write(tmp_path, "b.yaml", GOOD)
    problems = problems_for(tmp_path, first, second)
    assert problems == ["b.yaml:1:5: id: duplicate id 'good-lesson' (already used by " + str(first).replace(str(tmp_path) + "/", "") + ")"] or \
        any(p.startswith("b.yaml:1:5: id: duplicate id 'good-lesson'") for p in problems), problems


def test_one_bad_file_leaves_the_others_served(tmp_path):
    good, bad = write(tmp_path, "good.yaml", GOOD), write(tmp_path, "bad.yaml", "id: [")
    course = load_course(lesson_files=[good, bad], quiz_files=[])
    assert [lesson.id for lesson in course.lessons] == ["good-lesson"]
    assert len(course.problems) == 1 and course.problems[0].file.endswith("bad.yaml")


def test_an_edit_shows_on_the_next_load(tmp_path):
    path = write(tmp_path, "good.yaml", GOOD)
    assert load_course(lesson_files=[path], quiz_files=[]).lessons[0].title == "A good lesson"
    path.write_text(GOOD.replace("A good lesson", "An edited lesson") + "\n", encoding="utf-8")
    assert load_course(lesson_files=[path], quiz_files=[]).lessons[0].title == "An edited lesson"


def test_shipped_lessons_are_ordered_and_unique():
    course = load_course()
    orders = [lesson.order for lesson in course.lessons]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)
    assert len(course.lessons) == len(list(LESSON_DIR.glob("*.yaml")))


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_validate_passes_on_shipped_content():
    result = run_cli("validate", "lessons")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:")


def test_validate_fails_with_file_line_col(tmp_path):
    bad = write(tmp_path, "bad.yaml", BAD["unknown section type"][0])
    result = run_cli("validate", str(bad))
    assert result.returncode == 1
    assert f"{bad}:10:11: sections[0].type: unknown section type 'quizz'" in result.stdout


def test_committed_json_schema_is_current():
    result = run_cli("schema", "--check")
    assert result.returncode == 0, result.stdout


def test_validate_never_reuses_the_apps_sampled_quiz_check(monkeypatch):
    """The app checks a sample of variants and `validate` all of them; a cached result of the
    first must not stand in for the second in the same process (engine/content/loader.py _CACHE)."""
    import engine.content.loader as loader
    from engine.quiz.validation import checking_every_variant, checking_every_variant_now

    modes = []
    real = loader.validate_quiz
    monkeypatch.setattr(loader, "validate_quiz", lambda quiz: modes.append(checking_every_variant_now()) or real(quiz))
    monkeypatch.setattr(loader, "_CACHE", {})
    seed = [loader.QUIZ_DIR / "seed.yaml"]
    loader.load_course(lesson_files=[], quiz_files=seed)
    loader.load_course(lesson_files=[], quiz_files=seed)  # unchanged file: served from the cache
    with checking_every_variant():
        loader.load_course(lesson_files=[], quiz_files=seed)
    assert modes == [False, True]
