"""Build quizzes for tests: the shipped files through the real loader, or small ones from YAML text."""

from __future__ import annotations

from functools import lru_cache

from ruamel.yaml import YAML

from engine.quiz.schema import QuizFile
from tests.conftest import ROOT


@lru_cache(maxsize=None)
def shipped(quiz_id: str) -> QuizFile:
    """A quiz from quizzes/<quiz_id>.yaml, loaded as the app loads it (no content problems allowed)."""
    from engine.content.loader import load_course

    course = load_course(lesson_files=[], quiz_files=[ROOT / "quizzes" / f"{quiz_id}.yaml"])
    assert [str(p) for p in course.problems] == []
    return course.quizzes[quiz_id]


def seed_question(question_id: str):
    return shipped("seed").question(question_id)


def quiz_from_yaml(text: str) -> QuizFile:
    """A QuizFile from YAML text (one question list), validated by the schema only."""
    return QuizFile.model_validate(YAML(typ="safe").load(text))
