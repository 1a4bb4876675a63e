"""Reading attempts back (engine/practice/history.py) on SQLite and PostgreSQL: times come back
as aware UTC, and the per-process state extended with new attempts equals a trace from scratch."""

from __future__ import annotations

from datetime import UTC

from engine.practice import history
from engine.practice.mastery import trace
from engine.practice.schedule import cards
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
    assert later.mastery.p == trace(fresh, catalogue.items, catalogue.skills).p
    assert later.deck.cards() == cards(fresh)
