"""Bayesian Knowledge Tracing (engine/practice/mastery.py) on simulated learners whose true
state is known, because the simulation draws it from BKT's own generative model, and on
the rules that turn attempts into evidence."""

from __future__ import annotations

import random

import pytest

from engine.practice.mastery import BKT, TYPED_GUESS, trace, update
from tests.practice.conftest import attempt

P = BKT()


def simulate(learners: int, steps: int, guess: float, seed: int = 0):
    """Learners who start knowing the skill with P(L0), learn with T after each answer, and
    answer right with 1 - S when they know it and with G when not. Yields (estimate, truth)."""
    rng = random.Random(seed)
    for _ in range(learners):
        known, estimate = rng.random() < P.p_init, P.p_init
        for _ in range(steps):
            right = rng.random() < ((1 - P.p_slip) if known else guess)
            estimate = update(estimate, right, guess)
            known = known or rng.random() < P.p_learn
            yield estimate, known


@pytest.mark.parametrize("guess", [TYPED_GUESS, 0.25])  # a typed answer; a choice of four
def test_estimates_are_calibrated_on_simulated_learners(guess):
    """Tolerance: in every tenth of the estimate's range with at least 500 answers, the share of
    simulated learners who truly know the skill lies within that tenth, widened by 0.05."""
    bins: dict[int, list[int]] = {}
    for estimate, known in simulate(4000, 30, guess):
        counts = bins.setdefault(min(9, int(estimate * 10)), [0, 0])
        counts[0] += 1
        counts[1] += known
    checked = 0
    for b, (n, k) in bins.items():
        if n >= 500:
            checked += 1
            assert b / 10 - 0.05 <= k / n <= (b + 1) / 10 + 0.05, (b, k / n, n)
    assert checked >= 3


def test_estimates_converge_on_the_true_state():
    """Tolerance: after 30 answers the mean |P(L) - truth| over 4,000 learners is at most 0.05."""
    finals = [pair for i, pair in enumerate(simulate(4000, 30, TYPED_GUESS, seed=1)) if i % 30 == 29]
    error = sum(abs(estimate - known) for estimate, known in finals) / len(finals)
    assert error <= 0.05


def test_static_learners_knowers_pass_the_threshold_and_guessers_do_not():
    """Learners whose mastery never changes. Tolerance: after 12 typed answers, at least 90% of
    those who know the skill are past 0.95, and at most 2% of those who only guess are."""
    rng = random.Random(2)
    knowers, guessers = [], []
    for _ in range(2000):
        knower = guesser = P.p_init
        for _ in range(12):
            knower = update(knower, rng.random() < 1 - P.p_slip, TYPED_GUESS)
            guesser = update(guesser, rng.random() < TYPED_GUESS, TYPED_GUESS)
        knowers.append(knower >= 0.95)
        guessers.append(guesser >= 0.95)
    assert sum(knowers) / len(knowers) >= 0.90
    assert sum(guessers) / len(guessers) <= 0.02


def test_the_update_matches_corbett_and_anderson_by_hand():
    # right: 0.2*0.9 / (0.2*0.9 + 0.8*0.05) = 0.818181...; then + (1 - 0.8181) * 0.15
    assert update(0.2, True, 0.05) == pytest.approx(0.18 / 0.22 + (1 - 0.18 / 0.22) * 0.15)
    # wrong: 0.2*0.1 / (0.2*0.1 + 0.8*0.95)
    assert update(0.2, False, 0.05) == pytest.approx(0.02 / 0.78 + (1 - 0.02 / 0.78) * 0.15)


def test_evidence_first_attempt_per_variant_and_mistakes_reveal_their_skills(catalogue):
    key = "number-formats-quantization/model-size-gb"  # skills: size-arithmetic, units
    history = [attempt(1, key, False, "bits-for-bytes", seed=5), attempt(2, key, True, seed=5)]
    mastery = trace(history, catalogue.items, catalogue.skills)
    assert mastery.seen == {"units": 1}  # the retry of the same variant is no evidence; bits-for-bytes is units
    assert mastery.of("units") < P.p_init and mastery.of("size-arithmetic") == P.p_init
    assert mastery.mistakes["bits-for-bytes"] == 1
    fresh = trace(history + [attempt(3, key, True, seed=6)], catalogue.items, catalogue.skills)
    assert fresh.seen == {"units": 2, "size-arithmetic": 1} and fresh.of("units") > mastery.of("units")


def test_attempts_at_unknown_questions_are_skipped(catalogue):
    mastery = trace([attempt(1, "gone/question", False, "x")], catalogue.items, catalogue.skills, timeline=True)
    assert not mastery.seen and mastery.timeline == []
