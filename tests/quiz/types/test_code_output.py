"""engine/quiz/types/code_output.py: code_output compares printed text, whitespace aside (issue 11, grading 5)."""

import json

import pytest

from engine.quiz.grading import AnswerFormatError, grade_answer
from tests.quiz_helpers import quiz_from_yaml, seed_question, shipped


def _question(snippet: str, extra: str = "", mistakes: str = "[]"):
    return quiz_from_yaml(f"""
id: t
title: T
questions:
  - {{id: c, type: code_output, prompt: p, snippet: {json.dumps(snippet)}{extra},
      solution: {{steps: [s], final_answer: f, common_mistakes: {mistakes}}}}}
""").questions[0]


def test_2_is_not_what_python_prints_for_2_0():
    result = grade_answer(shipped("lora-low-rank-update").question("lora-scale-output"), "2")
    assert not result.correct and result.mistake_id == "printed_form" and "2.0" in result.feedback


def test_a_question_may_opt_in_to_numeric_comparison():
    question = _question("print(16 / 8)", extra=", compare: number")
    assert grade_answer(question, "2").correct and grade_answer(question, "2e0").correct
    assert _question("print(16 / 8)").compare == "text"  # the default


def test_only_whitespace_is_forgiven():
    question = _question('print("r =", 8)\nprint()\nprint("done")')
    assert grade_answer(question, "  r =   8 \n\n done ").correct
    assert not grade_answer(question, "r=8\ndone").correct


def test_numbers_that_cannot_be_read_cost_no_attempt():
    with pytest.raises(AnswerFormatError):
        grade_answer(seed_question("q3-printed-output"), "1e400")
    with pytest.raises(AnswerFormatError):
        grade_answer(seed_question("q3-printed-output"), "inf")
    with pytest.raises(AnswerFormatError):
        grade_answer(seed_question("q3-printed-output"), "9" * 331)


LOOP = "total = 0\nfor i in range({n}):\n    total = total + i\nprint(total)\n"


def test_a_loop_snippet_can_have_a_diagnosed_mistake():
    # Issue 11, grading 7: the mistake is the snippet as the slip writes it (range(1, n + 1) for range(n)).
    slip = json.dumps(LOOP.replace("range({n})", "range(1, {n} + 1)"))
    mistakes = f"[{{id: off-by-one, text: 'range(n) stops before n', snippet: {slip}}}, {{id: formula, text: 'n squared', formula: 'n * n'}}]"
    question = _question(LOOP, extra=", params: {n: {default: 5, min: 3, max: 9}}", mistakes=mistakes)
    assert grade_answer(question, "10").correct
    result = grade_answer(question, "15")
    assert result.mistake_id == "off-by-one" and "range(n) stops before n" in result.feedback
    assert grade_answer(question, "25").mistake_id == "formula"


def test_a_mistake_snippet_that_raises_names_an_error_answer():
    mistakes = "[{id: zero, text: 'dividing by the zero count', snippet: 'print(1 / 0)'}]"
    question = _question("print(1 / 2)", mistakes=mistakes)
    assert grade_answer(question, "Error").mistake_id == "zero"


@pytest.mark.parametrize("raw", ["Error", "an error", "ZeroDivisionError", "Error: division by zero",
                                 "it raises a ZeroDivisionError"])
def test_an_error_is_named_as_people_name_it(raw):
    assert grade_answer(_question("x = 1 / 0\nprint(x)"), raw).correct


@pytest.mark.parametrize("raw", ["`252`", "'252'", '"252"', " 252 "])
def test_quotes_and_backticks_around_the_output_are_not_part_of_it(raw):
    assert grade_answer(seed_question("q3-printed-output"), raw).correct
