"""engine/export/patterns.py: a printed text as QTI patterns accepts exactly what the code_output grader
accepts (engine/quiz/types/code_output.normalize), read as the standard reads a pattern (XML Schema: the whole
response) and as a browser player runs it (JavaScript: a search anywhere). Python's `re` stands in for
both: fullmatch for the first, search for the second; the patterns use only what all three share."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.export.patterns import whole_text_patterns
from engine.quiz.types.code_output import normalize

KEYS = ["252", "trainable%: 1.56", "2.0", "a b\nc", r"(x)[y]^$.*+?{}|\-/", "-138.3", "0.2"]


def accepts_as_the_standard_reads_it(key: str, answer: str, ignore_case: bool = False) -> bool:
    whole, around = whole_text_patterns(key, ignore_case=ignore_case)
    return bool(re.fullmatch(whole, answer)) and not re.fullmatch(around, answer)


def accepts_as_a_search(key: str, answer: str, ignore_case: bool = False) -> bool:
    whole, around = whole_text_patterns(key, ignore_case=ignore_case)
    return bool(re.search(whole, answer)) and not re.search(around, answer)


@pytest.mark.parametrize("key, answer, right", [
    ("252", "252", True), ("252", "  252 ", True), ("252", "2520", False), ("252", "1252", False),
    ("252", "252.5", False), ("252", "252 252", False), ("252", "x 252", False), ("252", "", False),
    ("trainable%: 1.56", "trainable%:   1.56", True), ("trainable%: 1.56", "trainable%:1.56", False),
    ("trainable%: 1.56", "Trainable%: 1.56", False),
    ("a b\nc", "a  b\n\n  c ", True), ("a b\nc", "a b c", False), ("a b\nc", "a b\nc d", False),
    (r"(x)[y]^$.*+?{}|\-/", r"(x)[y]^$.*+?{}|\-/", True), (r"(x)[y]^$.*+?{}|\-/", "(x)[y]^$a*+?{}|\\-/", False),
])
def test_known_answers(key, answer, right):
    assert accepts_as_the_standard_reads_it(key, answer) == right
    assert accepts_as_a_search(key, answer) == right
    assert (normalize(answer) == normalize(key)) == right


def test_ignore_case_is_for_letters_only():
    assert accepts_as_a_search("an error", "An ERROR", ignore_case=True)
    assert not accepts_as_a_search("an error", "an errors", ignore_case=True)


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(KEYS), noise=st.lists(st.sampled_from([" ", "\t", "\n", "x", "2", ".", "5", "a b"]), max_size=4),
       where=st.integers(0, 3))
def test_both_readings_agree_with_the_grader(key, noise, where):
    """Whitespace or text before, inside or after the key: right exactly when the grader says so."""
    extra = "".join(noise)
    words = key.split(" ")
    cut = min(where, len(words))
    answer = [extra + key, key + extra, " ".join(words[:cut]) + extra + " ".join(words[cut:]), extra][where]
    right = normalize(answer) == normalize(key)
    assert accepts_as_the_standard_reads_it(key, answer) == right
    assert accepts_as_a_search(key, answer) == right
