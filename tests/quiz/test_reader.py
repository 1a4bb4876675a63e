"""engine/quiz/reader.py: the one grammar for numbers, units and maths that every type reads with."""

import pytest

from engine.quiz.reader import parse_number, python_maths, read_quantity, shown, split_unit, units_in_maths
from engine.quiz.units import AnswerFormatError, find_unit


@pytest.mark.parametrize("text, value", [
    ("252", 252), ("65,536", 65536), ("65 536", 65536), ("65\u202f536", 65536), ("65\u00a0536", 65536),
    ("1_000", 1000), ("65'536", 65536), ("1,234,567.5", 1234567.5), ("1.234.567", 1234567), ("1.234,5", 1234.5),
    ("1,86", 1.86), ("0,375", 0.375), ("1,860", 1860), ("252.5", 252.5), ("3e9", 3e9), ("3E+9", 3e9),
    ("-4", -4), ("−4", -4), ("1.4 × 10^10", 1.4e10), ("1.4x10^10", 1.4e10), ("7·10^9", 7_000_000_000), (".5", 0.5),
])
def test_numbers_as_people_write_them(text, value):
    got = parse_number(text)
    assert got == pytest.approx(value) and type(got) is type(value)


@pytest.mark.parametrize("text", ["twelve", "12..5", "1,2,3", "0x"])
def test_not_numbers(text):
    with pytest.raises(AnswerFormatError):
        parse_number(text)


@pytest.mark.parametrize("text, value, unit", [
    ("1.86 GiB", 1.86, "GiB"), ("1.86GiB", 1.86, "GiB"), ("≈ 1.86 GiB", 1.86, "GiB"), ("about 14 GB.", 14, "GB"),
    ("5 gigabytes", 5, "GB"), ("117.35 gibibytes", 117.35, "GiB"), ("10 Mbit", 10, "Mbit"), ("0.39%", 0.39, "%"),
    ("39 percent", 39, "%"), ("7B params", 7, "B params"), ("7 billion params", 7e9, "params"), ("7 billion", 7e9, None),
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


def test_feedback_never_shows_float_noise():
    assert shown(6.7063749999999995) == "6.706375" and shown(252) == "252" and "digits" in shown(9**400)
