"""What the progress store hands back: plain, frozen values a page can keep and show.

    Store.learner(...)        -> Learner
    Store.progress(learner)   -> Progress ─ quizzes [QuizScore], mistakes, lab runs
    next_lesson(progress, ids) -> the lesson to continue with
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Learner:
    id: int
    name: str
    # The learner's key back in, known only just after it was made or typed (the store keeps its
    # hash alone); "" otherwise. Show it only to them.
    code: str = ""


@dataclass(frozen=True)
class QuizScore:
    quiz_id: str
    questions_tried: int
    questions_correct: int  # answered correctly at least once
    attempts: int
    last_at: datetime


@dataclass(frozen=True)
class Progress:
    """One learner's own record: lessons done, quiz scores, frequent mistakes, lab runs."""

    learner: Learner
    lessons_done: list[str] = field(default_factory=list)  # in the order completed
    quizzes: list[QuizScore] = field(default_factory=list)
    mistakes: list[tuple[str, int, str]] = field(default_factory=list)  # (mistake id, times, latest feedback)
    lab_runs: list[dict] = field(default_factory=list)  # {"id", "method", "measurements", "at"}, newest first
    last_question: tuple[str, str] | None = None  # (quiz id, question id) of the latest attempt
    # mistake id -> (quiz id, question id, params) of the latest attempt that made it: where to find its text
    mistake_where: dict[str, tuple[str, str, dict]] = field(default_factory=dict)


def next_lesson(progress: Progress, lesson_ids: list[str]) -> str | None:
    """"Continue where you left off": the first lesson, in course order, not yet done."""
    done = set(progress.lessons_done)
    return next((lesson for lesson in lesson_ids if lesson not in done), None)
