"""engine/quiz/numbers.py: one number as people write it, and written back in feedback without float noise."""

import pytest

from engine.quiz.numbers import parse_number, shown
from engine.quiz.units import AnswerFormatError


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


def test_feedback_never_shows_float_noise():
    assert shown(6.7063749999999995) == "6.706375" and shown(252) == "252" and "digits" in shown(9**400)
