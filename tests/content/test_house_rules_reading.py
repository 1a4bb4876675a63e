"""engine/content/house_rules.py, the rules on how a lesson reads: a hyphenated word split across
lines ("65-billion- parameter" in lesson 1, issue 18) and a table header cell left empty
(axe-core's empty-table-header in lessons 2 and 5)."""

from __future__ import annotations

import pytest

from tests.content.test_house_rules import PROSE, found, lesson


def markdown(body: str) -> dict:
    return {"type": "markdown", "body": PROSE + "\n\n" + body, "cite": ["paper"]}


def test_a_word_split_at_its_hyphen_is_an_error_naming_both_halves():
    [(path, message, severity)] = found(lesson(markdown("fine-tune a 65-billion-\nparameter model")))
    assert (path, severity) == ("sections[1]", "error")
    assert "'65-billion-' ends a line" in message and "'65-billion- parameter'" in message


@pytest.mark.parametrize("text", ["in 4- and\n8-bit", "pre- or\npost-training", "a 65-billion-parameter\nmodel",
                                  "a list:\n- item", "well-\nKnown"])
def test_suspended_hyphens_and_whole_words_are_fine(text):
    assert found(lesson(markdown(text))) == []


def test_an_empty_table_header_cell_is_an_error():
    table = "| | Full | LoRA |\n|---|---:|---:|\n| params | 16 | 65 |"
    [(path, message, severity)] = found(lesson(markdown(table)))
    assert (path, severity) == ("sections[1]", "error") and "header cell 1 is empty" in message
    named = "| What | Full | LoRA |\n|---|---:|---:|\n| params | | 65 |"  # an empty body cell is fine
    assert found(lesson(markdown(named))) == []
