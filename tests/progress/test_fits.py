"""Fitted knowledge-tracing parameters in the progress database (engine/progress/fits.py), on
SQLite and PostgreSQL: a fit replaces the last one whole, reads back as written, refuses a
value that is no probability by name, and a version-6 database gains the table in place, a
version-11 one the forgetting rate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, insert, text

from engine.progress import tables as models
from engine.progress.fits import FittedRow, load_fit, save_fit
from engine.progress.store import Store
from tests.progress.test_store import store, store_url  # noqa: F401  (fixtures: a fresh database of each kind)

UNITS = FittedRow("skill", "units", p_guess=0.18, evidence=420, learners=60, data_weight=0.98, p_init=0.31,
                  p_learn=0.22, p_slip=0.07, mastered=0.4, p_forget=0.08, p_learn_slip=0.3)
Q1 = FittedRow("question", "seed/q1-lora-purpose", p_guess=0.33, evidence=80, learners=75, data_weight=0.89)


def test_a_fit_reads_back_as_written_and_the_next_replaces_it(store):  # noqa: F811
    assert load_fit(store) == (None, [])
    at = save_fit(store, [Q1, UNITS], at=datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    assert load_fit(store) == (at, [UNITS, Q1])  # skills first, then questions
    nf4 = FittedRow("skill", "nf4", p_guess=0.2, evidence=3, learners=1, data_weight=0.23, p_init=0.2,
                    p_learn=0.15, p_slip=0.1, mastered=0.0)
    later, rows = load_fit(store)[0], [nf4]
    save_fit(store, rows)
    when, found = load_fit(store)
    assert found == [nf4] and when > later and when.tzinfo == UTC


@pytest.mark.parametrize("field, value", [("p_slip", 1.5), ("data_weight", -0.1), ("p_guess", float("nan")),
                                          ("p_forget", 1.2)])
def test_a_value_that_is_no_probability_is_refused_by_name(field, value):
    values = {**UNITS.__dict__, field: value}
    with pytest.raises(ValueError, match=f"skill 'units': {field} must be a probability"):
        FittedRow(**values)


def test_a_skill_row_needs_its_four_parameters():
    with pytest.raises(ValueError, match="p_init, p_learn and p_slip are required"):
        FittedRow("skill", "units", p_guess=0.2, evidence=1, learners=1, data_weight=0.1)
    with pytest.raises(ValueError, match="scope must be one of"):
        FittedRow("lesson", "x", p_guess=0.2, evidence=1, learners=1, data_weight=0.1)


def old_database(store_url: str, version: int, sql: str) -> None:
    """A database migrated by hand up to `version`, with `sql` run in it (:t is now)."""
    engine = create_engine(store_url)
    if store_url.startswith("sqlite"):
        from pathlib import Path
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        models.schema_version.create(conn)
        for number, migrate in enumerate(models.MIGRATIONS[:version], start=1):
            migrate(conn)
            conn.execute(insert(models.schema_version).values(version=number, applied_at=now))
        conn.execute(text(sql), {"t": now})
    engine.dispose()


def test_a_version_6_database_gains_the_table_and_keeps_its_rows(store_url):  # noqa: F811
    old_database(store_url, 6, "INSERT INTO learners (id, name, code, created_at) VALUES (1, 'Old', 'OLDCODE2', :t)")
    upgraded = Store(store_url)
    assert upgraded.version() == models.LATEST >= 7
    assert upgraded.learner_by_code("OLDCODE2").name == "Old"
    save_fit(upgraded, [UNITS])
    assert load_fit(upgraded)[1] == [UNITS]
    upgraded.close()


def test_a_version_11_fit_keeps_its_rows_and_reads_back_with_fsrs_forgetting(store_url):  # noqa: F811
    """A fit stored before the forgetting rate existed: its rows survive the upgrade with F unknown
    (None: FSRS's curve, engine/practice/model.py), and a new fit stores F."""
    old_database(store_url, 11, "INSERT INTO bkt_params (scope, name, p_init, p_learn, p_slip, p_guess, evidence, "
                 "learners, data_weight, mastered, fitted_at) VALUES ('skill', 'units', 0.31, 0.22, 0.07, 0.18, "
                 "420, 60, 0.98, 0.4, :t)")
    upgraded = Store(store_url)
    assert upgraded.version() == models.LATEST >= 12
    assert load_fit(upgraded)[1] == [FittedRow(**{**UNITS.__dict__, "p_forget": None, "p_learn_slip": None})]
    save_fit(upgraded, [UNITS])
    assert load_fit(upgraded)[1] == [UNITS]
    upgraded.close()
