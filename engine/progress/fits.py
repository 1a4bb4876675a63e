"""Knowledge-tracing parameters fitted from the class, kept in the progress database.

    save_fit(store, rows)   replaces the stored fit with `rows`, in one write transaction
    load_fit(store)         (when it was fitted, its rows); (None, []) before any fit

The numbers are plain values here: what they mean, and the fit itself, belong to
engine/practice (model.py, fit.py). Kept in the database, not a file, so every app
replica uses the same fit and a restart keeps it. Stands alone like the rest of
engine/progress.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select

from engine.progress.store import Store
from engine.progress.tables import bkt_params

SCOPES = ("skill", "question")


# One stored row: a skill's four parameters, or one choice question's G.
@dataclass(frozen=True)
class FittedRow:
    scope: str  # "skill" or "question"
    name: str  # skill id, or "quiz/question"
    p_guess: float
    evidence: int  # answers the fit used
    learners: int
    data_weight: float  # 0..1: the data's share of the value, the rest the default's
    p_init: float | None = None
    p_learn: float | None = None
    p_slip: float | None = None
    mastered: float | None = None  # skill rows: share of its learners who had mastered it
    p_forget: float | None = None  # skill rows: share forgotten per day; None where the class could not tell it
    p_learn_slip: float | None = None  # skill rows: T of a practice right after a named slip; None: not told

    def __post_init__(self) -> None:
        if self.scope not in SCOPES:
            raise ValueError(f"fitted row {self.name!r}: scope must be one of {SCOPES}, got {self.scope!r}")
        for name in ("p_guess", "data_weight", "p_init", "p_learn", "p_slip", "mastered", "p_forget", "p_learn_slip"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, (int, float)) and math.isfinite(value) and 0 <= value <= 1):
                raise ValueError(f"fitted row {self.scope} {self.name!r}: {name} must be a probability, got {value!r}")
        if self.scope == "skill" and None in (self.p_init, self.p_learn, self.p_slip):
            raise ValueError(f"fitted row skill {self.name!r}: p_init, p_learn and p_slip are required")


def save_fit(store: Store, rows: list[FittedRow], *, at: datetime | None = None) -> datetime:
    """Replace the stored fit with `rows`; returns the time it is stamped with."""
    at = at or datetime.now(UTC)
    with store._tx("save the fitted parameters", write=True) as conn:
        conn.execute(delete(bkt_params))
        if rows:
            conn.execute(insert(bkt_params), [{**asdict(row), "fitted_at": at} for row in rows])
    return at


def load_fit(store: Store) -> tuple[datetime | None, list[FittedRow]]:
    """The stored fit: when it was made and its rows (skills first, then questions, by name)."""
    columns = [bkt_params.c[name] for name in FittedRow.__dataclass_fields__]
    with store._tx("read the fitted parameters") as conn:
        rows = conn.execute(select(*columns, bkt_params.c.fitted_at)
                            .order_by(bkt_params.c.scope.desc(), bkt_params.c.name)).all()
    if not rows:
        return None, []
    at = rows[0][-1]
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)  # SQLite hands back naive UTC
    return at, [FittedRow(*row[:-1]) for row in rows]
