"""A learner's graded attempts, read from the progress store for mastery and scheduling.

One indexed query (ix_attempts_learner: learner_id, id) of the few columns needed, oldest
first. State is derived from the attempts table every time instead of kept in a table of
its own, so it can never drift from what was graded; benchmarks/next_question.py measures
that this stays fast with 100,000 attempts in the store.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from engine.practice.mastery import Attempt
from engine.progress.store import Store, StoreError
from engine.progress.tables import attempts as attempts_table

MAX_ATTEMPTS = 20_000  # newest attempts read per learner: far more than a course has, bounded for a flood


def attempts_of(store: Store, learner_id: int) -> list[Attempt]:
    """The learner's attempts, oldest first (at most the newest MAX_ATTEMPTS)."""
    a = attempts_table.c
    query = (select(a.id, a.quiz_id, a.question_id, a.seed, a.correct, a.mistake_id, a.created_at)
             .where(a.learner_id == learner_id).order_by(a.id.desc()).limit(MAX_ATTEMPTS))
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(query).all()
    except DBAPIError as exc:
        raise StoreError(f"Progress database {store.shown_url}: could not read attempts: {exc.orig}") from exc
    return [Attempt(r[0], r[1], r[2], r[3], bool(r[4]), r[5], _utc(r[6])) for r in reversed(rows)]


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time the store writes is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
