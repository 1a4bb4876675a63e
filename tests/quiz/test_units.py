"""engine/quiz/units.py: numbers with units, conversions, and the format errors that cost no attempt."""

import pytest

from engine.quiz.units import AnswerFormatError, convert, parse_number, parse_quantity, unit_named


@pytest.mark.parametrize("text, value", [("252", 252), ("1,010", 1010), ("252.5", 252.5), ("3e9", 3e9), ("-4", -4), ("1_000", 1000)])
def test_numbers(text, value):
    got = parse_number(text)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text", ["twelve", "1,01", "12..5", ""])
def test_not_numbers(text):
    with pytest.raises(AnswerFormatError):
        parse_number(text) if text else parse_quantity(text)


@pytest.mark.parametrize("text, number, unit", [
    ("252 MB", 252, "MB"), ("13.04GiB", 13.04, "GiB"), ("8 bits", 8, "bits"), ("7 B params", 7, "B params"),
    ("65536 params", 65536, "params"), ("3 kib", 3, "KiB"), ("252", 252, None),
])
def test_quantities(text, number, unit):
    got_number, got_unit = parse_quantity(text)
    assert got_number == number
    assert (got_unit.name if got_unit else None) == unit


def test_unknown_unit_and_words_are_format_errors_naming_the_problem():
    with pytest.raises(AnswerFormatError, match="apples"):
        parse_quantity("12 apples")
    with pytest.raises(AnswerFormatError, match="not a number"):
        parse_quantity("twelve")


def test_conversions_decimal_binary_bits():
    assert convert(1, unit_named("GiB"), unit_named("MiB")) == 1024
    assert convert(14_000, unit_named("MB"), unit_named("GB")) == 14
    assert convert(16, unit_named("bits"), unit_named("B")) == 2
    assert convert(7, unit_named("B params"), unit_named("params")) == 7e9
    assert convert(1, unit_named("GiB"), unit_named("GB")) == pytest.approx(1.073741824)


def test_cross_dimension_conversion_is_refused():
    with pytest.raises(AnswerFormatError, match="params"):
        convert(1, unit_named("params"), unit_named("GB"))


def test_unknown_unit_name_lists_known_ones():
    with pytest.raises(ValueError, match="GiB"):
        unit_named("furlongs")


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st

from engine.quiz.units import UNITS  # noqa: E402

BYTE_UNITS = sorted({u.name for u in UNITS.values() if u.dimension == "bytes"})


@given(st.floats(min_value=1e-3, max_value=1e12), st.sampled_from(BYTE_UNITS), st.sampled_from(BYTE_UNITS))
def test_conversion_round_trips(value, source, target):
    there = convert(value, unit_named(source), unit_named(target))
    assert convert(there, unit_named(target), unit_named(source)) == pytest.approx(value, rel=1e-12)


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(BYTE_UNITS + ["params", "M params"]))
def test_any_written_quantity_parses_back(number, unit):
    got, parsed_unit = parse_quantity(f"{number:,} {unit}")
    assert got == number and parsed_unit == unit_named(unit)
