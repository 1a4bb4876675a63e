"""engine/quiz/units.py: the unit table, spelled-out names, ambiguous spellings asked about, conversions."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.quiz.reader import read_quantity
from engine.quiz.units import UNITS, AnswerFormatError, convert, find_unit, known_units, unit_named


@pytest.mark.parametrize("spelled, unit", [
    ("GB", "GB"), ("gigabytes", "GB"), ("Gigabyte", "GB"), ("gB", "GB"), ("kB", "KB"), ("KB", "KB"), ("GBytes", "GB"),
    ("GiB", "GiB"), ("gibibytes", "GiB"), ("GIB", "GiB"), ("MiB", "MiB"), ("mebibyte", "MiB"),
    ("Mbit", "Mbit"), ("megabits", "Mbit"), ("Gibit", "Gibit"), ("bits", "bits"), ("bit", "bits"), ("B", "B"),
    ("bytes", "B"), ("params", "params"), ("parameters", "params"), ("M params", "M params"),
    ("billion parameters", "B params"), ("%", "%"), ("percent", "%"),
])
def test_symbols_and_spelled_out_names(spelled, unit):
    assert find_unit(spelled).name == unit


@pytest.mark.parametrize("spelled, words", [("Gb", "gigabytes or gigabits"), ("gb", "gigabytes or gigabits"),
                                            ("Mb", "megabytes or megabits"), ("Gib", "gibibytes or gibibits"),
                                            ("b", "bits or bytes")])
def test_an_ambiguous_unit_is_asked_about_not_guessed(spelled, words):
    with pytest.raises(AnswerFormatError, match=words):
        find_unit(spelled)
    with pytest.raises(AnswerFormatError, match=words):
        read_quantity(f"12 {spelled}")


def test_conversions_decimal_binary_bits_and_percent():
    assert convert(1, unit_named("GiB"), unit_named("MiB")) == 1024
    assert convert(14_000, unit_named("MB"), unit_named("GB")) == 14
    assert convert(16, unit_named("bits"), unit_named("B")) == 2
    assert convert(8, unit_named("Gbit"), unit_named("GB")) == 1
    assert convert(7, unit_named("B params"), unit_named("params")) == 7e9
    assert convert(1, unit_named("GiB"), unit_named("GB")) == pytest.approx(1.073741824)
    assert find_unit("%").factor == 0.01


def test_cross_dimension_conversion_is_refused():
    with pytest.raises(AnswerFormatError, match="params"):
        convert(1, unit_named("params"), unit_named("GB"))


def test_unknown_unit_name_lists_known_ones():
    with pytest.raises(ValueError, match="GiB"):
        unit_named("furlongs")
    assert find_unit("furlongs") is None


def test_known_units_run_from_bits_to_percent():
    names = known_units()
    assert names[0] == "bits" and names[-1] == "%" and names.index("GB") < names.index("GiB") < names.index("TB")


BYTE_UNITS = sorted({u.name for u in UNITS.values() if u.dimension == "bytes"})


@given(st.floats(min_value=1e-3, max_value=1e12), st.sampled_from(BYTE_UNITS), st.sampled_from(BYTE_UNITS))
def test_conversion_round_trips(value, source, target):
    there = convert(value, unit_named(source), unit_named(target))
    assert convert(there, unit_named(target), unit_named(source)) == pytest.approx(value, rel=1e-12)


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(BYTE_UNITS + ["params", "M params"]))
def test_any_written_quantity_parses_back(number, unit):
    reading = read_quantity(f"{number:,} {unit}")
    assert reading.value == number and reading.unit == unit_named(unit)
