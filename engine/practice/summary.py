"""What Home and the Progress page show of a learner: each lesson's state, mastery by
skill now, and mastery over time. Pure functions over the course, the learner's
Progress (engine/progress/store.py) and their attempts.

"Known now" is P(known now) of engine/practice/mastery.py: Bayesian Knowledge Tracing's
chance that the skill is known, lowered by forgetting for the days since it was last
practised (the class's fitted rate, or FSRS's curve before a fit can tell it). Its status says what it rests on: under MIN_EVIDENCE answers it is "too
early to say", however high the figure.
"""

from __future__ import annotations

from datetime import UTC, datetime

from engine.practice.catalogue import Catalogue
from engine.practice.mastery import Attempt, trace
from engine.practice.model import MASTERED, MIN_EVIDENCE, Model

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


def mastery_rows(catalogue: Catalogue, history: list[Attempt], *, model: Model | None = None,
                 now: datetime | None = None) -> list[dict]:
    """One row per practised skill, weakest first: title, P(known now), answers, status."""
    now = now or datetime.now(UTC)
    mastery = trace(history, catalogue.items, catalogue.skills, model=model)
    rows = []
    for skill, n in mastery.seen.items():
        known = mastery.known(skill, now)
        rows.append({"skill": catalogue.skills.title(skill), "known now": round(known, 3), "answers": n,
                     "status": status(known, n)})
    return sorted(rows, key=lambda r: r["known now"])


def status(known: float, answers: int) -> str:
    """What a "known now" figure means in words, with the evidence it rests on."""
    if answers < MIN_EVIDENCE:
        more = MIN_EVIDENCE - answers
        return f"too early to say: {more} more answer{'s' if more > 1 else ''} needed"
    if known >= MASTERED:
        return "mastered"
    return "likely known" if known >= 0.7 else "learning" if known >= 0.3 else "not yet"


def mastery_timeline(catalogue: Catalogue, history: list[Attempt], *,
                     model: Model | None = None) -> dict[str, list[tuple[datetime, float]]]:
    """skill title -> [(when, P(known) after that answer)], for a plot of mastery over time."""
    mastery = trace(history, catalogue.items, catalogue.skills, model=model, log=True)
    series: dict[str, list[tuple[datetime, float]]] = {}
    for evidence in mastery.log or []:
        series.setdefault(catalogue.skills.title(evidence.skill), []).append((evidence.at, evidence.p))
    return series
