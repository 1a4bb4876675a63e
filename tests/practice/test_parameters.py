"""The parameters in use (engine/practice/parameters.py): a refit from the store's attempts is
stored, read back as the model practice uses from its next pick, on SQLite and PostgreSQL."""

from __future__ import annotations

import random

from engine.content.loader import load_course
from engine.practice.model import DEFAULT
from engine.practice.next_question import next_for
from engine.practice.parameters import load_model, refit
from engine.progress.fits import load_fit
from tests.progress.test_store import store, store_url  # noqa: F401  (fixtures: a fresh database of each kind)

Q1 = ("seed", "q1-lora-purpose")  # choice, 4 options; trains lora-ideas


def a_class(db, learners=40, right=0.9):
    rng = random.Random(1)
    for n in range(learners):
        who = db.learner(f"L{n}").id
        for seed in range(5):
            db.record_attempt(who, *Q1, seed=seed, raw="B", parsed="B", score=float(rng.random() < right),
                              mistake_id=None, feedback="")


def test_a_refit_is_stored_and_used_from_the_next_pick(store, catalogue):  # noqa: F811
    assert load_model(store).fitted_at is None  # before any fit: the defaults
    a_class(store)
    result = refit(store, catalogue)
    fitted_at, rows = load_fit(store)
    assert fitted_at == result.fitted_at and {(r.scope, r.name) for r in rows} == {("skill", "lora-ideas"),
                                                                                    ("question", "seed/q1-lora-purpose")}
    model = load_model(store)
    assert model.fitted_at == fitted_at and model.of("lora-ideas").p_init > DEFAULT.p_init  # a class that knows it
    newcomer = store.learner("New")
    pick, _ = next_for(store, newcomer.id, load_course())
    assert pick.kind == "new" and pick.skill == "lora-ideas" and pick.mastery == model.of("lora-ideas").p_init


def test_a_refit_with_no_answers_keeps_the_defaults(store, catalogue):  # noqa: F811
    result = refit(store, catalogue)
    assert result.skills == {} and load_fit(store)[1] == [] and load_model(store).of("units") == DEFAULT
