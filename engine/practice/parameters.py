"""The fitted parameters in use: read from the progress database (engine/progress/fits.py)
as a `Model` (engine/practice/model.py), and written back after a fit.

Every pick needs them, so a server process keeps the model it read for a few seconds
(FRESH_S) instead of one more query per pick; a refit in this process is seen at once,
one in another replica within FRESH_S.
"""

from __future__ import annotations

import time
from threading import Lock
from weakref import WeakKeyDictionary

from engine.practice.model import BKT, Model
from engine.progress.fits import FittedRow, load_fit, save_fit
from engine.progress.store import Store

FRESH_S = 10.0  # seconds a process reuses the model it read

_CACHE: WeakKeyDictionary[Store, tuple[float, Model]] = WeakKeyDictionary()  # store -> (monotonic time read, model)
_LOCK = Lock()


def model_of(at, rows: list[FittedRow]) -> Model:
    """A Model from stored rows; an empty fit gives the defaults."""
    skills = {r.name: BKT(r.p_init, r.p_learn, r.p_slip, r.p_guess, r.p_forget, r.p_learn_slip) for r in rows if r.scope == "skill"}
    guesses = {r.name: r.p_guess for r in rows if r.scope == "question"}
    return Model(skills=skills, guesses=guesses, fitted_at=at)


def load_model(store: Store) -> Model:
    """The model last fitted from this store's class (the defaults before any fit)."""
    now = time.monotonic()
    with _LOCK:
        cached = _CACHE.get(store)
    if cached and now - cached[0] < FRESH_S:
        return cached[1]
    model = model_of(*load_fit(store))
    with _LOCK:
        _CACHE[store] = (now, model)
    return model


def save_model(store: Store, rows: list[FittedRow]) -> Model:
    """Store a fit's rows; this process uses them from the next pick."""
    at = save_fit(store, rows)
    model = model_of(at if rows else None, rows)  # as load_model reads it back: no rows, no fit
    with _LOCK:
        _CACHE[store] = (time.monotonic(), model)
    return model


def refit(store: Store, catalogue, **options):
    """Fit the parameters to every attempt in `store` and store them (engine/practice/fit.py);
    returns the Fit. `options` go to fit.fit (pseudo, max_iter)."""
    from engine.practice.fit import fit
    from engine.practice.history import class_attempts

    result = fit(class_attempts(store), catalogue, **options)
    result.fitted_at = save_model(store, result.rows()).fitted_at
    return result
