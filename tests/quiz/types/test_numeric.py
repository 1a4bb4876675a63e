"""engine/quiz/types/numeric.py: numbers as people write them, in any unit, at the question's precision."""

import pytest

from engine.quiz.grading import AnswerFormatError, grade_answer
from tests.quiz_helpers import shipped


def param_count():
    return shipped("lora-low-rank-update").question("lora-param-count")  # r * (d_in + d_out) = 65536 params


def full_gb():
    return shipped("where-memory-goes").question("full-finetune-gb")  # 7 * 18 = 126 GB


@pytest.mark.parametrize("raw", ["65,536", "65 536", "65536 params", "65,536 parameters", "2^16", "2¹⁶",
                                 "≈ 65536", "65.536 thousand", "0.065536 M params", "6.5536e4"])
def test_a_count_written_many_ways(raw):
    assert grade_answer(param_count(), raw).correct, raw


@pytest.mark.parametrize("raw", ["126", "126 GB", "126 gigabytes", "126,000 MB", "117.35 GiB", "117.35 gibibytes",
                                 "0.126 TB", "126e9 bytes", "7 * 18", "7 × 18 GB", "1.008e12 bits", "126 GB."])
def test_a_size_written_many_ways(raw):
    assert grade_answer(full_gb(), raw).correct, raw


@pytest.mark.parametrize("raw, words", [("126 Gb", "gigabytes or gigabits"), ("126 gb", "gigabytes or gigabits"),
                                        ("65.536", "a point marks decimals"), ("7B", "B is bytes")])
def test_an_ambiguous_answer_is_asked_about_not_guessed(raw, words):
    question = full_gb() if "Gb" in raw or "gb" in raw else param_count()
    with pytest.raises(AnswerFormatError, match=words):
        grade_answer(question, raw)


def test_a_format_message_names_the_form_expected_with_an_example():
    with pytest.raises(AnswerFormatError, match=r"Expected: a number in GiB .*to 2 decimals, e.g. 12.35 GiB"):
        grade_answer(shipped("number-formats-quantization").question("model-size-gib"), "thirteen")


def test_a_wrong_number_is_never_full_marks():
    for raw in ("127", "126.5", "118 GiB", "14", "1008"):
        result = grade_answer(full_gb(), raw)
        assert not result.correct and result.score < 1, raw
    assert grade_answer(full_gb(), "1008").mistake_id == "bits-for-bytes"
