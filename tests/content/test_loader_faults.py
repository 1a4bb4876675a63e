"""engine/content/loader.py under hostile or careless content (issue 14) and its messages (issue 11).

A failure while reading one file is that file's error at file:line, and the rest of the
course keeps serving; messages name the key in the author's words.
"""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ConfigDict, ValidationError

import engine.content.loader as loader
from engine.content.loader import LESSON_DIR, QUIZ_DIR, load_course, yaml_files
from engine.content.problems import field_names, problems_from_validation
from engine.content.yaml_reader import read_text
from tests.content.test_loader import GOOD, run_cli, write

QUIZ = """\
id: tiny
title: Tiny quiz
questions:
  - id: q
    type: numeric
    prompt: "What is {n} + 1?"
    params:
      n: {default: 1, min: 1, max: 9}
    answer: "n + 1"
    solution:
      steps: ["Add one."]
      final_answer: "n + 1"
"""


def shipped_plus(*extra, quizzes=()):
    return load_course(lesson_files=yaml_files(LESSON_DIR) + list(extra), quiz_files=yaml_files(QUIZ_DIR) + list(quizzes))


def test_a_deep_quiz_is_its_own_error_and_the_course_serves(tmp_path):
    """Issue 14, item 1: 300 nested '[' raised RecursionError from load_course() on every page."""
    deep = write(tmp_path, "deep.yaml", "id: deep\ntitle: Deep\nx: " + "[" * 300 + "]" * 300 + "\n")
    course = shipped_plus(quizzes=[deep])
    assert [p.file.endswith("deep.yaml") for p in course.problems] == [True]
    problem = course.problems[0]
    assert (problem.line, "nested more than 32 levels" in problem.message) == (3, True)
    assert len(course.lessons) == len(yaml_files(LESSON_DIR)) and "seed" in course.quizzes


def test_any_failure_reading_a_file_is_that_files_error(tmp_path, monkeypatch):
    """Whatever breaks (here a RecursionError from deep inside), the file is left out with its reason."""
    good, bad = write(tmp_path, "good.yaml", GOOD), write(tmp_path, "bad.yaml", GOOD.replace("good-lesson", "bad-lesson"))
    real = loader.parse

    def explode(raw, shown):
        if shown.endswith("bad.yaml"):
            raise RecursionError("maximum recursion depth exceeded")
        return real(raw, shown)

    monkeypatch.setattr(loader, "parse", explode)
    course = load_course(lesson_files=[good, bad], quiz_files=[])
    assert [lesson.id for lesson in course.lessons] == ["good-lesson"]
    assert [(p.file.endswith("bad.yaml"), p.line, p.message) for p in course.problems] == [
        (True, 1, "could not read this file (RecursionError: maximum recursion depth exceeded)")]


def test_validate_prints_file_line_for_hostile_files_never_a_traceback(tmp_path):
    deep = write(tmp_path, "deep.yaml", "x: " + "[" * 300 + "]" * 300 + "\nquestions: []\n")
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    bomb_file = write(tmp_path, "bomb.yaml", "\n".join(bomb + ["questions: [*a8]"]) + "\n")
    result = run_cli("validate", str(deep), str(bomb_file))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert f"{deep}:1:" in result.stdout and f"{bomb_file}:4:" in result.stdout


def test_a_repeated_order_is_flagged(tmp_path):
    first = write(tmp_path, "a.yaml", GOOD)
    second = write(tmp_path, "b.yaml", GOOD.replace("good-lesson", "other-lesson"))
    problems = [str(p) for p in load_course(lesson_files=[first, second], quiz_files=[]).problems]
    assert any(p.endswith("b.yaml:4:8: order: order 1 is already used by lesson 'good-lesson'; give each lesson its own")
               for p in problems), problems


def test_a_prerequisite_comes_earlier(tmp_path):
    first = write(tmp_path, "a.yaml", GOOD)
    second = write(tmp_path, "b.yaml", GOOD.replace("good-lesson", "intro").replace("order: 1", "order: 2"))
    first.write_text(GOOD.replace("order: 1\n", "order: 1\nprerequisites: [intro]\n"), encoding="utf-8")
    problems = [p.message for p in load_course(lesson_files=[first, second], quiz_files=[]).problems]
    assert "lesson 'intro' (order 2) must come before this one (order 1); give it a lower order" in problems


def test_a_union_value_gets_one_message_in_the_authors_words(tmp_path):
    """Issue 11: `params.r.max.int` / `params.r.max.float` were pydantic's internal names."""
    quiz = write(tmp_path, "tiny.yaml", QUIZ.replace("max: 9", "max: lots"))
    problems = [str(p) for p in load_course(lesson_files=[], quiz_files=[quiz]).problems]
    assert [p.split("tiny.yaml:")[1] for p in problems] == ["8:36: questions[0].params.n.max: expected a number, found 'lots'"]


def test_did_you_mean_knows_keys_added_to_a_model():
    """A key added to a schema (e.g. `constraints`) is offered for a misspelling with no other change."""

    class Question(BaseModel):
        model_config = ConfigDict(extra="forbid")
        constants: list[int] = []
        constraints: list[str] = []

    data = read_text(b"constants: [1]\nconstraint: ['a < b']\n")
    with pytest.raises(ValidationError) as caught:
        Question.model_validate(dict(data))
    problems = problems_from_validation("q.yaml", data, caught.value, field_names(Question))
    assert [str(p) for p in problems] == ["q.yaml:2:1: constraint: unknown key 'constraint' (did you mean 'constraints'?)"]


def test_an_out_of_range_figure_is_an_error_and_the_lesson_still_serves(tmp_path):
    """Issue 14, item 8: `rank_explorer` with `rank: 1000000`."""
    path = write(tmp_path, "fig.yaml", GOOD.replace("{rank: 4}", "{rank: 1000000}"))
    course = load_course(lesson_files=[path], quiz_files=[])
    assert course.lesson("good-lesson") is not None
    assert [p.message for p in course.problems] == ["figure 'rank_explorer': input should be less than or equal to 1024"]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", " JavaScript:x", "file:///etc/passwd"])
def test_reference_urls_are_http_https_or_relative(tmp_path, url):
    path = write(tmp_path, "ref.yaml", GOOD.replace("title: Some paper\n", f"title: Some paper\n    url: '{url}'\n"))
    problems = [str(p) for p in load_course(lesson_files=[path], quiz_files=[]).problems]
    assert any("references[0].url: links may be http, https or relative" in p for p in problems), problems


def test_refused_links_and_images_are_errors_and_never_rendered(tmp_path):
    body = "See [this](javascript:alert(1)) and ![a tracking pixel](https://example.com/p.png) [ok](https://arxiv.org)."
    path = write(tmp_path, "md.yaml", GOOD.replace("body: Hello.", f"body: '{body}'"))
    course = load_course(lesson_files=[path], quiz_files=[])
    assert course.lesson("good-lesson").sections[0].body == "See this and a tracking pixel [ok](https://arxiv.org)."
    messages = [p.message for p in course.problems]
    assert messages[0] == "links may be http, https or relative; 'javascript:' is not allowed"
    assert messages[1].startswith("images from other sites are not allowed (https://example.com/p.png)")
    assert {p.path for p in course.problems} == {"sections[0].body"}


def test_quiz_text_gets_the_same_link_rule_but_code_is_left_alone(tmp_path):
    quiz = QUIZ.replace('prompt: "What is {n} + 1?"', 'prompt: "[x](data:text/html,1) What is {n} + 1?"')
    course = load_course(lesson_files=[], quiz_files=[write(tmp_path, "tiny.yaml", quiz)])
    assert course.quizzes["tiny"].questions[0].prompt == "x What is {n} + 1?"
    assert [p.path for p in course.problems] == ["questions[0].prompt"]


def test_warnings_print_but_fail_only_with_strict(tmp_path):
    path = write(tmp_path, "short.yaml", GOOD)  # 2 sections, a 1-word body, no practice
    plain = run_cli("validate", str(path))
    strict = run_cli("validate", "--strict", str(path))
    assert plain.returncode == 0 and strict.returncode == 1
    assert f"{path}:10:3: warning: sections: 2 sections; a lesson has 4 to 20" in plain.stdout
    assert "warning(s)" in plain.stdout.splitlines()[-1]


def test_a_cross_check_that_breaks_is_that_lessons_error(tmp_path, monkeypatch):
    from engine.content import cross_checks

    def broken(section, where):
        raise OSError("preset folder unreadable")

    monkeypatch.setattr(cross_checks, "figure_problems", broken)
    course = load_course(lesson_files=[write(tmp_path, "fig.yaml", GOOD)], quiz_files=[])
    assert course.lesson("good-lesson") is not None
    assert [p.message for p in course.problems] == ["could not check this lesson (OSError: preset folder unreadable)"]


def test_one_file_cannot_flood_the_problems_panel(tmp_path):
    body = "[a](javascript:x) " * 5000
    path = write(tmp_path, "flood.yaml", GOOD.replace("body: Hello.", f"body: '{body}'"))
    course = load_course(lesson_files=[path], quiz_files=[])
    assert len(course.problems + course.warnings) == loader.MAX_PROBLEMS_PER_FILE + 1
    more = int(course.problems[-1].message.split()[2].replace(",", ""))
    assert 5000 - loader.MAX_PROBLEMS_PER_FILE <= more <= 5000  # the refused links, and the house rules' warnings


def test_validate_piped_to_head_prints_no_traceback(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT

    for i in range(40):  # 40 files x 51 lines: well over the 64 KiB a pipe buffers
        write(tmp_path, f"bad{i}.yaml", "".join(f"unknown_key_{k}: 1\n" for k in range(60)))
    command = f"{sys.executable} -m engine validate {tmp_path} | head -1"
    result = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.count("\n") == 1 and "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr


def test_validate_refuses_a_reference_url_that_breaks_out_of_its_link(tmp_path):
    """Issue 21: a url such as `https://x.org) [evil](javascript:...` passed as https."""
    url = "https://x.org) [evil](javascript:alert(1)"
    path = write(tmp_path, "ref.yaml", GOOD.replace("title: Some paper\n", f"title: Some paper\n    url: '{url}'\n"))
    problems = [str(p) for p in load_course(lesson_files=[path], quiz_files=[]).problems]
    assert any("references[0].url: a url may not contain ' '" in p for p in problems), problems
