"""No page shows an emoji: without an emoji font (Debian's Chromium with DejaVu alone, as in CI)
they draw as empty boxes. Marks and icons are Material icons (`:material/name:`), which ship with
Streamlit's own font, or words; ✓ and ✗ (U+2713, U+2717) are in DejaVu Sans and stay."""

from __future__ import annotations

import re

import pytest
from google.protobuf import text_format

from engine.content.loader import load_course
from tests.apptest import open_page

# Emoji and pictographs (U+1F000-1FAFF), the miscellaneous symbols most of which draw as emoji
# (U+2600-26FF), ✅ ❌ ⭐ and the emoji variation selector U+FE0F.
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u26FF\u2705\u274C\u2B50\uFE0F]")
COURSE = load_course()
PAGES = ["home", *(lesson.id for lesson in COURSE.lessons), *(f"quiz-{quiz}" for quiz in COURSE.quizzes),
         "practice", "lab", "memory", "progress", "instructor"]


def texts(node):
    """Every string an element of the rendered page carries, in UTF-8."""
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "ListFields"):
        yield text_format.MessageToString(proto, as_utf8=True)
    for child in getattr(node, "children", {}).values():
        yield from texts(child)


@pytest.mark.parametrize("path", PAGES)
def test_no_page_shows_an_emoji(path):
    at = open_page(path)
    assert not at.exception
    found = {match.group() for text in texts(at._tree) for match in EMOJI.finditer(text)}
    assert not found, f"/{path} shows {sorted(found)}: use a Material icon or words"
