"""engine/quiz/precision.py: precision as the question states it (declared, in its prompt, in its final answer)."""

import pytest

from engine.quiz.grading import grade_answer
from engine.quiz.precision import Precision, precision_of, stated_in_prompt, unit_of
from engine.quiz.validation import validate_quiz
from tests.quiz_helpers import quiz_from_yaml, shipped

BASE = """
id: t
title: T
questions:
  - id: n
    type: numeric
    prompt: "{prompt}"
    params: {{b: {{default: 1, choices: [1, 3, 7]}}}}
    answer: "b * 10**9 * 2 / 2**30"
    unit: GiB
{extra}    solution: {{steps: [s], final_answer: "{final}"}}
"""


def _question(prompt="How many GiB?", extra="", final="f"):
    return quiz_from_yaml(BASE.format(prompt=prompt, extra=extra, final=final)).questions[0]


@pytest.mark.parametrize("prompt, precision", [
    ("two decimals are enough", Precision(decimals=2, source="prompt")),
    ("Give it to 1 decimal place.", Precision(decimals=1, source="prompt")),
    ("3 significant figures", Precision(sig_figs=3, source="prompt")),
    ("to the nearest whole number", Precision(decimals=0, source="prompt")),
    ("How many GiB?", None),
])
def test_the_prompt_states_the_precision(prompt, precision):
    assert stated_in_prompt(prompt) == precision


def test_declared_then_prompt_then_final_answer_then_exact():
    assert precision_of(_question(extra="    sig_figs: 3\n", prompt="two decimals")).sig_figs == 3
    assert precision_of(_question(prompt="two decimals")).decimals == 2
    assert precision_of(_question(final="{b * 10**9 * 2 / 2**30:.3f} GiB")).decimals == 3
    assert precision_of(_question(final="{b * 10**9 * 2 / 2**30:.3g} GiB")).sig_figs == 3
    assert precision_of(_question()).exact


def test_at_two_decimals_the_key_rounded_is_right_and_one_decimal_or_a_truncation_is_not():
    # Issue 17: "1.86 GiB" scored 0 where the prompt says two decimals; "0.4" for 0.39 scored 1.
    question = shipped("number-formats-quantization").question("model-size-gib")
    assert grade_answer(question, "1.86 GiB", seed=3).correct  # seed 3: 1 billion parameters, 1.8626 GiB
    key = 2e9 / 2**30
    q = _question(prompt="two decimals")
    assert grade_answer(q, "1.86").correct and grade_answer(q, "1.8626").correct
    for wrong in ("1.9", "1.87", "1.85"):
        result = grade_answer(q, wrong)
        assert not result.correct and result.score < 1, wrong
    assert abs(key - 1.86) < 0.005


def test_significant_figures_are_relative_to_the_key():
    q = _question(extra="    sig_figs: 2\n")  # 1.8626 -> 1.9
    assert grade_answer(q, "1.9").correct and not grade_answer(q, "1.8").correct


def test_validate_refuses_a_precision_that_fails_the_final_answer_or_the_prompt():
    quiz = quiz_from_yaml(BASE.format(prompt="two decimals are enough", extra="    rel_tol: 0.001\n",
                                      final="{b * 10**9 * 2 / 2**30:.2f} GiB"))
    problems = validate_quiz(quiz)
    assert any("final_answer" in path and "1.86 GiB" in message and "decimals" in message for path, message in problems)
    fixed = quiz_from_yaml(BASE.format(prompt="two decimals are enough", extra="    decimals: 2\n",
                                       final="{b * 10**9 * 2 / 2**30:.2f} GiB"))
    assert validate_quiz(fixed) == []


def test_a_question_in_percent_reads_a_percent_sign():
    question = shipped("lora-low-rank-update").question("lora-share-worked")
    assert unit_of(question).name == "%"


@pytest.mark.parametrize("prompt, typed", [("two decimals", "1.9"), ("two decimals", "1.9 GiB"),
                                           ("three decimals", "1.86"), ("three decimals", "1.86 GiB")])
def test_an_answer_rounded_further_than_asked_says_so(prompt, typed):
    """1.9 for 1.8626 at two decimals is wrong, and the feedback says why rather than 'no common mistake'."""
    result = grade_answer(_question(prompt=prompt), typed)
    asked = "2 decimals" if prompt == "two decimals" else "3 decimals"
    assert not result.correct and f"rounded further than the question asks: give it to {asked}" in result.feedback


def test_the_right_value_rounded_in_another_unit_is_still_right():
    assert grade_answer(_question(prompt="two decimals"), "2.0 GB").correct  # 2 GB is exactly 1.8626 GiB


@pytest.mark.parametrize("typed, why", [("1.87", "the second decimal is wrong, not rounded away"),
                                        ("1.7", "one decimal, but not the key rounded"),
                                        ("7 * 2^30 / 2^30", "worked out, not rounded")])
def test_a_wrong_answer_that_is_not_the_key_rounded_is_not_called_rounded(typed, why):
    result = grade_answer(_question(prompt="two decimals"), typed)
    assert not result.correct and "rounded further" not in result.feedback, why


def test_rounded_further_counts_significant_figures_typed():
    from engine.quiz.precision import rounded_further

    three = Precision(sig_figs=3, source="declared")
    assert rounded_further(three, 0.04, 2, 0.0391) and not rounded_further(three, 0.0391, 4, 0.0391)
    assert rounded_further(three, 1.9, 1, 1.8626) and not rounded_further(three, 1.86, 2, 1.8626)
    assert not rounded_further(Precision(rel_tol=0.01, source="declared"), 1.9, 1, 1.8626)  # a tolerance asks no rounding
