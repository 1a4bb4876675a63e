"""engine/quiz/types/worked.py and worked_marking.py: each step's arithmetic and quantities checked, errors carried forward."""

import pytest

from engine.quiz.grading import AnswerFormatError, grade_answer, parse
from tests.quiz_helpers import seed_question, shipped


def q3w():
    return seed_question("q3-worked")


def test_seed_working_is_correct():
    result = grade_answer(q3w(), "lora_model_size = 1000 + 10 = 1010\nint(1010 * 0.25) = int(252.5) = 252")
    assert result.correct and result.score == 1
    assert [m.correct for m in result.steps] == [True, True]


def test_wrong_second_step_is_marked_at_step_2():
    result = grade_answer(q3w(), "lora_model_size = 1000 + 10 = 1010\nint(1010 * 0.25) = 253")
    assert [m.correct for m in result.steps] == [True, False]
    assert result.feedback.startswith("Step 2")
    assert "252, not 253" in result.feedback and "truncates" in result.feedback
    assert result.score == 0.5 and not result.correct


def test_errors_carry_forward():
    # Step 1 uses a quantity the question does not have; step 2 is right given step 1's 1020.
    result = grade_answer(q3w(), "a = 1000 + 20 = 1020\nint(a * 0.25) = 255")
    assert [m.correct for m in result.steps] == [False, True]
    assert "20" in result.steps[0].feedback and "quantities" in result.steps[0].feedback
    assert result.feedback.startswith("Step 1")


def test_a_step_whose_result_is_a_slip_is_named():
    result = grade_answer(q3w(), "lora_model_size = 1000 + 10 = 1010\nlora_model_size * quantization_factor = 252.5")
    assert [m.correct for m in result.steps] == [True, False]
    assert "should give 252" in result.steps[1].feedback and "truncates" in result.steps[1].feedback


def test_names_and_one_line_working():
    assert grade_answer(q3w(), "s = model_size + lora_size = 1010\nint(s * quantization_factor) = 252").correct
    assert grade_answer(q3w(), "int((1000 + 10) * 0.25) = 252 MB").correct
    assert grade_answer(q3w(), "model_size = 1000\nint((1000 + 10) * 0.25) = 252").correct  # restating is not a step


def test_stopping_early_is_not_correct():
    result = grade_answer(q3w(), "lora_model_size = 1000 + 10 = 1010")
    assert not result.correct


@pytest.mark.parametrize("raw, words", [
    ("twelve", "line 1"),
    ("1010\n252", "line 1"),
    ("x = 1000 +\n", "not an expression"),
    ("y = lora_model_size * 0.25 = 252", "lora_model_size"),
])
def test_unreadable_working_is_a_format_error_naming_the_line(raw, words):
    with pytest.raises(AnswerFormatError, match=words):
        parse(q3w(), raw)


def test_rounded_decimals_and_tolerance_in_a_float_question():
    question = shipped("qlora").question("double-quant-worked")
    good = "before = 32 / 64 = 0.5\nafter = 8/64 + 32/(64*256) = 0.127\nsaved_bits = 0.5 - 0.127 = 0.373\nsaved_gb = 65 * 0.373 / 8 = 3.03"
    assert grade_answer(question, good).correct
    skipped = "before = 32 / 64 = 0.5\nafter = 8/64 = 0.125\nsaved_bits = 0.5 - 0.125 = 0.375\nsaved_gb = 65 * 0.375 / 8 = 3.05"
    result = grade_answer(question, skipped)
    assert [m.correct for m in result.steps] == [True, False, True, True]  # later steps right given step 2


def test_finer_working_than_the_reference_is_fine():
    result = grade_answer(q3w(), "s = 1000 + 10 = 1010\np = 1010 * 0.25 = 252.5\nint(252.5) = 252")
    assert result.correct and [m.correct for m in result.steps] == [True, True, True]


def test_a_line_named_like_a_reference_step_is_that_step():
    question = shipped("qlora").question("double-quant-worked")
    result = grade_answer(question, "before = 32 / 64 = 0.5\nafter = 8/64 = 0.125\nsaved_bits = 0.5 - 0.125 = 0.375\nsaved_gb = 65 * 0.375 / 8 = 3.05")
    assert [m.correct for m in result.steps] == [True, False, True, True]
    assert "a term of the sum is missing" in result.steps[1].feedback


ROUNDING = """
id: t
title: T
questions:
  - id: w
    type: worked
    prompt: p
    params: {a: {default: 47, min: 40, max: 50}, b: {default: 7, choices: [7]}}
    steps:
      - {name: x, expr: "a / b"}
      - {name: y, expr: "x * 3"}
    constants: [3]
    abs_tol: 0.005
    solution: {steps: [s], final_answer: f}
"""


def test_rounding_carried_forward_is_not_punished_while_the_result_keeps_the_precision():
    # Issue 11, grading 3: 6.71 reused for 6.7142857; here the answer asks for one decimal (abs_tol 0.05).
    from tests.quiz_helpers import quiz_from_yaml

    question = quiz_from_yaml(ROUNDING.replace("abs_tol: 0.005", "abs_tol: 0.05")).questions[0]
    result = grade_answer(question, "x = 47 / 7\ny = 6.71 * 3 = 20.13")
    assert result.correct and [m.correct for m in result.steps] == [True, True]
    assert not grade_answer(question, "x = 47 / 7\ny = 6.71 * 3 = 20.5").correct


def test_working_rounded_so_far_that_the_result_leaves_the_precision_is_not_full_marks():
    # Issue 17: 6.71 for 6.714 gives 20.13 where 20.14 is the key to two decimals.
    from tests.quiz_helpers import quiz_from_yaml

    result = grade_answer(quiz_from_yaml(ROUNDING).questions[0], "x = 47 / 7\ny = 6.71 * 3 = 20.13")
    assert not result.correct and result.score < 1 and result.mistake_id == "rounded_early"
    assert [m.correct for m in result.steps] == [True, False] and "rounding early" in result.steps[1].feedback


def test_a_listed_mistake_is_named_when_the_slip_is_in_an_earlier_step():
    # Issue 11, grading 4: adapters done as 14 * 16 (millions taken for billions).
    question = shipped("where-memory-goes").question("lora-budget-worked")
    result = grade_answer(question, "base = 7 * 2 = 14\nadapters = 14 * 16 = 224\ntotal = 14 + 224 = 238")
    assert result.mistake_id == "millions-as-billions" and "Treating millions as billions" in result.feedback


def test_transform_mistakes_in_a_step_carry_their_id():
    result = grade_answer(q3w(), "lora_model_size = 1000 + 10 = 1010\nlora_model_size * quantization_factor = 252.5")
    assert result.mistake_id == "int-forgotten" and result.steps[1].mistake_id == "int-forgotten"
    assert result.feedback.count("Forgetting that") == 1


@pytest.mark.parametrize("raw", ["x = 10**400 = 1", "x = 9**4700 = 1", "x = 10**400\ny = x * 2 = 3"])
def test_huge_numbers_in_steps_are_graded_not_raised(raw):
    # Issue 14, finding 2.
    result = grade_answer(q3w(), raw)
    assert not result.correct and len(result.feedback) < 2000


def test_a_param_is_not_taken_as_rounded_and_rounding_may_not_drift_far():
    from tests.quiz_helpers import quiz_from_yaml

    question = quiz_from_yaml(ROUNDING.replace("b: {default: 7, choices: [7]}", "b: {default: 7.5, choices: [7.5]}")).questions[0]
    assert not grade_answer(question, "x = 47 / 8 = 5.875\ny = 5.875 * 3 = 17.625").correct  # 7.5 "rounded" to 8
    coarse = quiz_from_yaml(ROUNDING.replace("b: {default: 7, choices: [7]}", "b: {default: 376, choices: [376]}")).questions[0]
    result = grade_answer(coarse, "x = 47 / 376\ny = 0.1 * 3 = 0.3")  # 0.125 rounded to 0.1: 20% off in the end
    assert [m.correct for m in result.steps] == [True, False] and "rounding early" in result.feedback
    assert not result.correct and result.score < 1  # issue 17: never "partly right (100%)"


# ---------------------------------------------------------------- issue 17: worked answers as people write them

def budget():
    return shipped("where-memory-goes").question("lora-budget-worked")  # 7B in bf16, 14 M adapters: 14.224 GB


@pytest.mark.parametrize("raw", [
    "base = 7 * 10**9 * 2 / 10**9 = 14\nadapters = 14 * 16 / 1000 = 0.224\ntotal = 14 + 0.224 = 14.22",
    "base = 7e9 * 2 / 1e9 = 14\nadapters = 14e6 * 16 / 1e9 = 0.224\ntotal = base + adapters = 14.224 GB",
    "base = 7 × 10^9 × 2 / 10^9 = 14 GB\nadapters = 14 · 16 / 1000 = 0.224 GB\ntotal = 14 + 0.224 ≈ 14.22 GB",
    "base = 7e9 * 2 = 14e9 B\nadapters = 14e6 * 16 = 224e6 B\ntotal = 14 + 0.224 = 14224 MB",  # another unit
    "1 GB = 10^9 bytes\nStep 1: base = 7 × 2 = 14 GB\nStep 2: adapters = 14 million * 16 = 224 MB  # bytes to MB\n"
    "3. total = 14 GB + 224 MB = 14.22 GB.",
])
def test_standard_constants_powers_and_units_are_read(raw):
    result = grade_answer(budget(), raw)
    assert result.correct and result.score == 1, result.feedback


def test_an_arrow_or_about_may_round_or_truncate_an_equals_may_not():
    assert grade_answer(q3w(), "1000 + 10 = 1010 MB\n1010 × 0.25 = 252.5 → 252").correct
    assert grade_answer(q3w(), "lora_model_size = 1010; 1010 * 0.25 ≈ 252").correct  # 1000 + 10 done in the head
    result = grade_answer(q3w(), "1000 + 10 = 1010\n1010 * 0.25 = 252.5 = 252")
    assert not result.correct and "`252.5` is 252.5, not 252" in result.feedback


def test_a_power_is_a_power_not_xor():
    question = shipped("lora-low-rank-update").question("lora-share-worked")  # 4096 x 4096, rank 8
    raw = "lora = 8 * (4096 + 4096) = 65,536\nfull = 4096^2 = 16777216\nshare = 100 * lora / full = 0.39%"
    assert grade_answer(question, raw).correct


def test_a_line_labelled_in_the_wrong_unit_is_named():
    result = grade_answer(budget(), "base = 7 * 2 = 14\nadapters = 14 * 16 / 1000 = 0.224\ntotal = 14 + 0.224 = 14.224 GiB")
    assert not result.correct and result.score < 1 and result.mistake_id == "unit_mislabelled"
    assert "14.224 is this step in GB, but you wrote GiB" in result.steps[-1].feedback


def test_a_final_value_short_of_the_precision_asked_is_not_full_marks():
    # Issue 17: "0.4" where two decimals were asked, and a working rounded to 0.0, scored 1.
    question = shipped("lora-low-rank-update").question("lora-share-worked")  # 0.390625%
    result = grade_answer(question, "lora = 8 * (4096 + 4096) = 65536\nfull = 4096 * 4096 = 16777216\n"
                                    "share = 100 * lora / full = 0.4")
    assert not result.correct and result.score < 1 and result.mistake_id == "rounded_early"
    rounded = grade_answer(budget(), "base = 7 * 2 = 14\nadapters = 14 * 16 / 1000 = 0.2\ntotal = 14 + 0.2 = 14.2")
    assert not rounded.correct and rounded.score < 1
