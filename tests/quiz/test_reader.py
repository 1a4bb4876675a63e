"""engine/quiz/reader.py: the one grammar for numbers, units and maths that every type reads with."""

import pytest

from engine.quiz.reader import python_maths, read_quantity, split_unit, units_in_maths
from engine.quiz.units import AnswerFormatError, find_unit


@pytest.mark.parametrize("text, value, unit", [
    ("1.86 GiB", 1.86, "GiB"), ("1.86GiB", 1.86, "GiB"), ("≈ 1.86 GiB", 1.86, "GiB"), ("about 14 GB.", 14, "GB"),
    ("5 gigabytes", 5, "GB"), ("117.35 gibibytes", 117.35, "GiB"), ("10 Mbit", 10, "Mbit"), ("0.39%", 0.39, "%"),
    ("39 percent", 39, "%"), ("7B params", 7, "B params"), ("7 billion params", 7, "B params"), ("7 billion", 7e9, None),
    ("65,536 parameters", 65536, "params"), ("2^30 bytes", 2**30, "B"), ("7 * 10**9 * 2 / 10**9", 14, None),
    ("4096^2", 4096**2, None), ("4096 × 4096", 4096**2, None), ("4096x4096", 4096**2, None), ("2³⁰", 2**30, None),
    ("14 GB + 224 MB", 14224, "MB"), ("7e9 params * 2 bytes", 14e9, "B"), ("2(3 + 4)", 14, None), ("50% * 2", 100, "%"),
])
def test_quantities_and_maths(text, value, unit):
    reading = read_quantity(text)
    assert reading.value == pytest.approx(value) and (reading.unit.name if reading.unit else None) == unit


def test_plain_numbers_keep_their_places_and_digits_for_diagnosis():
    reading = read_quantity("117.35 GiB")
    assert (reading.places, reading.digits) == (2, 5)
    assert read_quantity("7 * 2").places is None  # computed: no typed precision


@pytest.mark.parametrize("text, words", [("12 Gb", "gigabytes or gigabits"), ("12 apples", "not a unit"),
                                         ("twelve", "not a number"), ("1e400", "finite"), ("Infinity GB", "finite"),
                                         ("params_b * 2", "word")])
def test_unreadable_answers_say_why(text, words):
    with pytest.raises(AnswerFormatError, match=words):
        read_quantity(text)


def test_a_printed_number_is_read_without_maths():
    with pytest.raises(AnswerFormatError):
        read_quantity("2^10", maths=False)


def test_python_maths_keeps_calls_and_remainders():
    assert python_maths("round(65536 / 16777216 * 100, 2)").replace(" ", "") == "round(65536/16777216*100,2)"
    assert python_maths("7 % 3").replace(" ", "") == "7%3"  # spaced: Python's remainder
    assert python_maths("n_params * bits", {"n_params", "bits"}).replace(" ", "") == "n_params*bits"


def test_a_name_at_the_end_is_no_unit_and_a_unit_inside_maths_is_converted():
    assert split_unit("n_params * bits", {"n_params", "bits"}) == ("n_params * bits", None, 1)
    assert split_unit("16 bits") == ("16", find_unit("bits"), 1)
    from engine.sandbox import evaluate

    body, unit = units_in_maths("14 GB + 224 MB", find_unit("GB"))
    assert unit.name == "GB" and evaluate(python_maths(body), {}) == pytest.approx(14.224)
