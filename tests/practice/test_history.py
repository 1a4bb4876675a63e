"""Reading attempts back (engine/practice/history.py) on SQLite and PostgreSQL: times come back
as aware UTC, the per-process state extended with new attempts equals a trace from scratch
(forgetting included), a refit starts it afresh, and the whole class reads back at once."""

from __future__ import annotations

from datetime import UTC

from engine.practice import history
from engine.practice.mastery import trace
from engine.practice.model import BKT, Model
from tests.progress.test_store import store, store_url  # noqa: F401  (fixtures: a fresh database of each kind)

GB = ("number-formats-quantization", "model-size-gb")


def answer(db, learner_id, correct, mistake=None, seed=1, question=GB):
    db.record_attempt(learner_id, *question, seed=seed, raw="x", parsed="x", score=float(correct),
                      mistake_id=mistake, feedback="fb")


def test_attempts_come_back_oldest_first_in_utc(store):  # noqa: F811
    ana, ben = store.learner("Ana"), store.learner("Ben")
    answer(store, ana.id, False, "bits-for-bytes")
    answer(store, ben.id, True)
    answer(store, ana.id, True, seed=2)
    found = history.attempts_of(store, ana.id)
    assert [(a.correct, a.mistake_id, a.seed) for a in found] == [(False, "bits-for-bytes", 1), (True, None, 2)]
    assert all(a.at.tzinfo == UTC for a in found) and found[0].at <= found[1].at
    assert [a.seed for a in history.attempts_of(store, ana.id, after=found[0].id)] == [2]


def test_the_tracked_state_grows_with_new_attempts_and_equals_a_fresh_trace(store, catalogue):  # noqa: F811
    ana = store.learner("Ana")
    answer(store, ana.id, False, "bits-for-bytes")
    first = history.tracked(store, ana.id, catalogue)
    answer(store, ana.id, True, seed=2)
    answer(store, ana.id, True, seed=3, question=("seed", "q1-lora-purpose"))
    later = history.tracked(store, ana.id, catalogue)
    assert later is first and len(later.attempts) == 3
    fresh = history.attempts_of(store, ana.id)
    again = trace(fresh, catalogue.items, catalogue.skills)
    assert later.mastery.p == again.p and later.mastery.seen == again.seen
    assert {s: m.due() for s, m in later.mastery.memory.items()} == {s: m.due() for s, m in again.memory.items()}


def test_a_refit_starts_the_tracked_state_afresh_with_the_new_parameters(store, catalogue):  # noqa: F811
    from datetime import UTC, datetime

    ana = store.learner("Ana")
    answer(store, ana.id, True, seed=2, question=("seed", "q1-lora-purpose"))
    first = history.tracked(store, ana.id, catalogue)
    refitted = Model(skills={"lora-ideas": BKT(0.5, 0.3, 0.05, 0.2)}, fitted_at=datetime.now(UTC))
    later = history.tracked(store, ana.id, catalogue, refitted)
    assert later is not first and later.mastery.model is refitted
    assert later.mastery.of("lora-ideas") > first.mastery.of("lora-ideas")


def test_the_class_reads_back_in_one_query_per_learner_oldest_first(store):  # noqa: F811
    ana, ben = store.learner("Ana"), store.learner("Ben")
    answer(store, ana.id, False, "bits-for-bytes")
    answer(store, ben.id, True)
    answer(store, ana.id, True, seed=2)
    everyone = history.class_attempts(store)
    assert sorted(everyone) == [ana.id, ben.id]
    assert everyone[ana.id] == history.attempts_of(store, ana.id) and [a.correct for a in everyone[ben.id]] == [True]
