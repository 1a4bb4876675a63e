"""engine/progress/pending.py: answers given before signing in wait per guest, bounded and for
a limited time, and are stored as the learner's when they sign in, in order, once."""

from __future__ import annotations

import pytest

from engine.progress.pending import Pending
from engine.progress.store import Store, StoreError


def attempt(question: str, score: float = 1.0) -> dict:
    return dict(quiz_id="seed", question_id=question, seed=3, raw="2", parsed={"value": 2}, score=score,
                mistake_id=None, feedback="Right.", params={"r": 8}, correct=score >= 1, solution_seen=False)


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'progress.db'}")
    yield s
    s.close()


def test_waiting_answers_become_the_learners_once_in_order(store):
    pending = Pending()
    for question in ("q1", "q2", "q3"):
        assert pending.add("guest-a", attempt(question))
    pending.add("guest-b", attempt("other"))
    ana = store.learner("Ana")
    assert pending.count("guest-a") == 3 and pending.attach("guest-a", store, ana.id) == 3
    assert pending.count("guest-a") == 0 and pending.attach("guest-a", store, ana.id) == 0
    progress = store.progress(ana.id)
    assert progress.quizzes[0].attempts == 3 and progress.last_question == ("seed", "q3")
    assert pending.count("guest-b") == 1  # another browser's answers stay where they are


def test_answers_expire_and_memory_is_bounded():
    now = [0.0]
    pending = Pending(max_guests=2, max_answers=2, ttl_s=100, clock=lambda: now[0])
    assert pending.add("a", attempt("q1")) and pending.add("a", attempt("q2"))
    assert not pending.add("a", attempt("q3"))  # past max_answers: not kept
    pending.add("b", attempt("q1"))
    pending.add("c", attempt("q1"))  # a third guest pushes out the stalest, "a"
    assert (pending.count("a"), pending.count("b"), pending.count("c")) == (0, 1, 1)
    now[0] = 150
    assert pending.count("b") == 0 and pending.count(None) == 0


def test_a_database_failure_keeps_the_answers_for_the_next_try(store):
    pending = Pending()
    pending.add("g", attempt("q1"))
    pending.add("g", attempt("q2"))
    ana = store.learner("Ana")

    class Broken:
        def record_attempt(self, learner_id, **kw):
            raise StoreError("the database is away")

    with pytest.raises(StoreError):
        pending.attach("g", Broken(), ana.id)
    assert pending.count("g") == 2 and pending.attach("g", store, ana.id) == 2


def test_an_answer_the_store_refuses_is_dropped_not_retried(store):
    pending = Pending()
    pending.add("g", attempt("q1", score=7.0))  # not a score from 0 to 1: refused with a ValueError
    pending.add("g", attempt("q2"))
    assert pending.attach("g", store, store.learner("Ana").id) == 1 and pending.count("g") == 0
