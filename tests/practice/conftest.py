"""Shared helpers for the practice tests: attempts built by hand, the shipped catalogue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.content.loader import load_course
from engine.practice.catalogue import build
from engine.practice.mastery import Attempt

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def attempt(n: int, key: str, correct: bool, mistake: str | None = None, *, seed: int | None = None,
            days_ago: float = 0) -> Attempt:
    quiz, question = key.split("/")
    return Attempt(n, quiz, question, n if seed is None else seed, correct, mistake,
                   NOW - timedelta(days=days_ago, seconds=-n))


@pytest.fixture(scope="session")
def catalogue():
    return build(load_course())
