"""Fixtures and helpers shared by the curriculum tests: the course as the app serves it,
and the reader-facing text of a lesson, where its numbers and their citations are checked."""

from __future__ import annotations

import pytest

from engine.content import schema
from engine.content.house_rules import prose  # noqa: F401 (the tests check what validate checks)
from engine.content.loader import load_course

PROSE_TYPES = (schema.MarkdownSection, schema.KeyPointsSection, schema.CalloutSection, schema.RealWorldSection)
# Sections whose text is checked for numbers: prose, code notes and figure captions.
CHECKED_TYPES = PROSE_TYPES + (schema.CodeCompareSection, schema.FigureSection)


@pytest.fixture(scope="module")
def course():
    """The course as the app serves it: lessons and quizzes."""
    return load_course()


@pytest.fixture(scope="module")
def lessons():
    """The lessons alone, so content checks don't hang on the quiz files."""
    return {lesson.id: lesson for lesson in load_course(quiz_files=[]).lessons}


def text_of(lesson) -> str:
    """All checked text of a lesson on one line, with typographic minus signs made ASCII."""
    parts = [prose(s) for s in lesson.sections if isinstance(s, CHECKED_TYPES)]
    return " ".join(" ".join(parts).split()).replace("\u2212", "-")


def section_titled(lesson, title: str):
    return next(s for s in lesson.sections if s.title == title)
