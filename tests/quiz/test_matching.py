"""engine/quiz/matching.py: right values in other units, unit slips named the right way, huge numbers (issue 11, 14)."""

import pytest

from engine.quiz.grading import AnswerFormatError, grade_answer
from engine.quiz.matching import isclose, key_precision
from tests.quiz_helpers import quiz_from_yaml, shipped


def test_unit_slip_is_named_the_right_way_round():
    # Issue 11, grading 1: 13.04 is the GiB number written with a GB label; GiB were asked.
    result = grade_answer(shipped("number-formats-quantization").question("model-size-gib"), "13.04 GB")
    assert result.mistake_id == "unit_mislabelled"
    assert "13.04 is the answer in GiB, but you wrote GB" in result.feedback
    assert "where GB were asked" not in result.feedback


def test_the_gb_number_where_gib_were_asked_is_named():
    result = grade_answer(shipped("number-formats-quantization").question("model-size-gib"), "14")
    assert result.mistake_id == "gb-for-gib" and "where GiB were asked" in result.feedback  # the listed one first


def test_a_right_value_in_another_unit_is_right():
    # Issue 11, grading 2: 117.35 GiB is 126.003 GB, the key of an exact question.
    question = shipped("where-memory-goes").question("full-finetune-gb")
    assert grade_answer(question, "117.35 GiB").correct
    assert grade_answer(question, "0.126 TB").correct
    assert not grade_answer(question, "118 GiB").correct  # 126.7 GB: outside the key's precision


def test_the_gib_number_labelled_gb_is_named():
    result = grade_answer(shipped("where-memory-goes").question("full-finetune-gb"), "117.35 GB")
    assert result.mistake_id == "gib_for_gb" and "divided by 2^30" in result.feedback


def test_key_precision_is_the_last_digit_capped_at_half_a_percent():
    assert key_precision(126) == 0.5
    assert key_precision(7) == pytest.approx(0.035)
    assert key_precision(13.0385) == pytest.approx(0.00005)


def test_slips_exist_for_every_binary_and_decimal_prefix():
    quiz = quiz_from_yaml("""
id: t
title: T
questions:
  - {id: m, type: numeric, prompt: p, answer: "2 * 2**20", unit: B, solution: {steps: [s], final_answer: f}}
  - {id: k, type: numeric, prompt: p, answer: "1.5", unit: MB, solution: {steps: [s], final_answer: f}}
""")
    mib_question = quiz.questions[1]
    # 1.5 MB is 1.43 MiB: that number, typed for MB, is the MiB slip.
    assert grade_answer(mib_question, "1.43").mistake_id == "mib_for_mb"


@pytest.mark.parametrize("raw", ["1e400", "inf", "-inf", "nan", "9" * 331, "9" * 400 + " GB", "Infinity GB"])
def test_huge_and_infinite_numbers_are_the_same_format_error(raw):
    # Issue 11, grading 6, and issue 14, finding 2: a format message, never an OverflowError.
    question = shipped("where-memory-goes").question("full-finetune-gb")
    with pytest.raises(AnswerFormatError, match="not a finite number"):
        grade_answer(question, raw)


def test_isclose_never_raises():
    assert not isclose(10**400, 1.0) and isclose(10**400, 10**400)
    assert not isclose("a", 1)
