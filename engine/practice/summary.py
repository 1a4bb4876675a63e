"""What Home and the Progress page show of a learner: each lesson's state, mastery by
skill now, and mastery over time. Pure functions over the course, the learner's
Progress (engine/progress/store.py) and their attempts."""

from __future__ import annotations

from datetime import datetime

from engine.practice.catalogue import Catalogue
from engine.practice.mastery import MASTERED, Attempt, trace

NOT_STARTED, IN_PROGRESS, DONE = "not started", "in progress", "done"


def lesson_states(course, progress, history: list[Attempt]) -> dict[str, str]:
    """lesson id -> "not started", "in progress" (a quiz of it answered) or "done" (marked done)."""
    done = set(progress.lessons_done) if progress else set()
    tried_quizzes = {a.quiz_id for a in history}
    started = {quiz.lesson for quiz_id, quiz in course.quizzes.items() if quiz_id in tried_quizzes and quiz.lesson}
    # a lesson's inline quiz section may use another quiz file: those answers count for it too
    for lesson in course.lessons:
        if any(getattr(s, "quiz", None) in tried_quizzes for s in lesson.sections):
            started.add(lesson.id)
    return {lesson.id: DONE if lesson.id in done else IN_PROGRESS if lesson.id in started else NOT_STARTED
            for lesson in course.lessons}


def mastery_rows(catalogue: Catalogue, history: list[Attempt]) -> list[dict]:
    """One row per practised skill, weakest first: title, P(known), answers, mastered."""
    mastery = trace(history, catalogue.items, catalogue.skills)
    rows = [{"skill": catalogue.skills.title(s), "mastery": round(mastery.of(s), 3), "answers": n,
             "mastered": mastery.of(s) >= MASTERED} for s, n in mastery.seen.items()]
    return sorted(rows, key=lambda r: r["mastery"])


def mastery_timeline(catalogue: Catalogue, history: list[Attempt]) -> dict[str, list[tuple[datetime, float]]]:
    """skill title -> [(when, P(known) after that answer)], for a plot of mastery over time."""
    mastery = trace(history, catalogue.items, catalogue.skills, timeline=True)
    series: dict[str, list[tuple[datetime, float]]] = {}
    for at, skill, p in mastery.timeline or []:
        series.setdefault(catalogue.skills.title(skill), []).append((at, p))
    return series
