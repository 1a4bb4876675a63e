"""A learner's graded attempts, read from the progress store for mastery and scheduling.

One indexed query (ix_attempts_learner: learner_id, id) of the few columns needed, oldest
first. State is derived from the attempts table, never kept in a table of its own, so it
cannot drift from what was graded. `Tracked` keeps, per server process, each recent
learner's attempts and mastery (with its forgetting), and extends them with the attempts
whose id is above the last one read (ids only grow), so a learner with thousands of
attempts costs one small query per pick (benchmarks/next_question.py measures both the
first and later picks). A changed course or skills file (new question objects from the
loaders' caches) or a refit of the parameters starts afresh. `class_attempts` reads every
learner's attempts at once, for a fit (engine/practice/fit.py).
"""

from __future__ import annotations

import gc
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from threading import Lock

from sqlalchemy import String, select, type_coerce
from sqlalchemy.exc import DBAPIError

from engine.practice.mastery import Attempt, Mastery, trace
from engine.practice.model import Model
from engine.progress.store import Store, StoreError
from engine.progress.tables import attempts as attempts_table

MAX_ATTEMPTS = 20_000  # newest attempts read per learner: far more than a course has, bounded for a flood
TRACKED = 512  # learners whose state a server process keeps (least recently used dropped)


def attempts_of(store: Store, learner_id: int, *, after: int = 0) -> list[Attempt]:
    """The learner's attempts with id above `after`, oldest first (at most the newest MAX_ATTEMPTS)."""
    a = attempts_table.c
    # the time as stored (SQLite: ISO text, parsed below by the C datetime.fromisoformat, several times
    # faster than SQLAlchemy's per-row DateTime processor; PostgreSQL hands back datetimes anyway)
    when = type_coerce(a.created_at, String)
    query = (select(a.id, a.quiz_id, a.question_id, a.seed, a.correct, a.mistake_id, when)
             .where(a.learner_id == learner_id, a.id > after).order_by(a.id.desc()).limit(MAX_ATTEMPTS))
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(query).all()
    except DBAPIError as exc:
        raise StoreError(f"Progress database {store.shown_url}: could not read attempts: {exc.orig}") from exc
    return [Attempt(r[0], r[1], r[2], r[3], bool(r[4]), r[5], _utc(r[6])) for r in reversed(rows)]


def class_attempts(store: Store) -> dict[int, list[Attempt]]:
    """Every learner's attempts, oldest first (at most the newest MAX_ATTEMPTS each), in one query."""
    a = attempts_table.c
    query = (select(a.learner_id, a.id, a.quiz_id, a.question_id, a.seed, a.correct, a.mistake_id,
                    type_coerce(a.created_at, String)).order_by(a.learner_id, a.id))
    by_learner: dict[int, list[Attempt]] = {}
    try:
        with store.engine.connect() as conn:
            for r in conn.execute(query):
                by_learner.setdefault(r[0], []).append(Attempt(r[1], r[2], r[3], r[4], bool(r[5]), r[6], _utc(r[7])))
    except DBAPIError as exc:
        raise StoreError(f"Progress database {store.shown_url}: could not read attempts: {exc.orig}") from exc
    return {learner: found[-MAX_ATTEMPTS:] for learner, found in by_learner.items()}


def _utc(moment: datetime | str) -> datetime:
    """A stored time as an aware UTC datetime; SQLite keeps naive text, and every time the store writes is UTC."""
    if isinstance(moment, str):  # SQLite: "2026-11-29 17:32:33.084512", written in UTC
        return datetime.fromisoformat(moment + "+00:00" if len(moment) <= 26 else moment)  # 26: no offset
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass
class Tracked:
    """One learner's attempts so far, with the mastery built from them."""

    catalogue_id: tuple
    mastery: Mastery
    attempts: list[Attempt] = field(default_factory=list)

    def extend(self, new: list[Attempt], catalogue) -> None:
        self.attempts += new
        trace(new, catalogue.items, catalogue.skills, state=self.mastery)


_TRACKED: OrderedDict[tuple[str, int], Tracked] = OrderedDict()
_LOCK = Lock()


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off for one burst of allocations. A first pick builds some
    10^4 tuples, which sets off collections of the oldest generation: each walks every object of the
    server (tens of ms) and frees nothing, since tuples of numbers and strings form no cycles."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def tracked(store: Store, learner_id: int, catalogue, model: Model | None = None) -> Tracked:
    """The learner's state under `model` (default: the default parameters), brought up to date
    with their attempts since the last call."""
    model = model or Model()
    fingerprint = (id(catalogue.skills), tuple(id(item.question) for item in catalogue.items.values()), model.stamp)
    key = (store.url, learner_id)
    with _LOCK:
        state = _TRACKED.pop(key, None)
    if state is None or state.catalogue_id != fingerprint:
        state = Tracked(fingerprint, Mastery(model=model))
    with _collector_paused():
        state.extend(attempts_of(store, learner_id, after=state.attempts[-1].id if state.attempts else 0), catalogue)
    with _LOCK:
        _TRACKED[key] = state
        while len(_TRACKED) > TRACKED:
            _TRACKED.popitem(last=False)
    return state
