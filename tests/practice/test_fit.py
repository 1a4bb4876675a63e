"""Fitting BKT by EM (engine/practice/fit.py, engine/practice/baum_welch.py): the forward-backward
against brute-force enumeration of every hidden path, recovery of known parameters from
simulated learners, shrinkage toward the defaults, and per-question guess rates."""

from __future__ import annotations

import itertools
import math
import random

import numpy as np
import pytest

from engine.practice import baum_welch
from engine.practice.fit import fit
from engine.practice.mastery import Evidence
from engine.practice.model import BKT, DEFAULT
from tests.practice.conftest import NOW, attempt


def sequence(outcomes, retained, slot="skill:a", skill="a", others=None):
    others = others or [1.0] * len(outcomes)
    return [Evidence(NOW, skill, o, "q", slot, r, 0.0, a) for o, r, a in zip(outcomes, retained, others)]


def params(p: BKT, guesses) -> baum_welch.Params:
    return baum_welch.Params(np.array([p.p_init]), np.array([p.p_learn]), np.array([p.p_slip]), np.array(guesses))


def brute_force(outcomes, retained, p: BKT, guess: float, others):
    """(likelihood, P(known) at each step, expected learning events), summing over every hidden path,
    where each gap is: learn (if not known) with T, then keep (if known) with R, and a wrong answer
    comes from this skill failing or, with 1 - a, from another skill of the question failing."""
    total, known, learnt = 0.0, [0.0] * len(outcomes), 0.0
    for start in (0, 1):
        gaps = [(learn, keep) for learn in (0, 1) for keep in (0, 1)]
        for path in itertools.product(gaps, repeat=len(outcomes) - 1):
            state, prob, events = start, (p.p_init if start else 1 - p.p_init), 0
            states = [state]
            for (learn, keep), r in zip(path, retained[1:]):
                if state == 0:
                    prob *= p.p_learn if learn else 1 - p.p_learn
                    state, events = (1, events + 1) if learn else (0, events)
                elif learn:  # a known skill has no learning event: count each path once
                    prob = 0.0
                if state == 1:
                    prob *= r if keep else 1 - r
                    state = 1 if keep else 0
                elif keep:
                    prob = 0.0
                states.append(state)
            for state, o, a in zip(states, outcomes, others):
                works = (1 - p.p_slip) if state else guess
                prob *= works if o else 1 - works * a
            total += prob
            learnt += prob * events
            for t, state in enumerate(states):
                known[t] += prob * state
    return total, [k / total for k in known], learnt / total


def test_forward_backward_matches_brute_force_with_forgetting_and_blame():
    p, guess = BKT(0.3, 0.2, 0.15, 0.25), 0.25
    rng = random.Random(5)
    cases = [([rng.random() < 0.6 for _ in range(n)], [1.0] + [rng.uniform(0.5, 1.0) for _ in range(n - 1)],
              [rng.choice([1.0, rng.uniform(0.3, 1.0)]) for _ in range(n)]) for n in (5, 4, 2)]
    data = baum_welch.Data.of({(i, "a"): sequence(o, r, others=a) for i, (o, r, a) in enumerate(cases)})
    counts = baum_welch.e_step(data, params(p, [guess]))
    truth = [brute_force(o, r, p, guess, a) for o, r, a in cases]
    assert counts.log_likelihood == pytest.approx(sum(math.log(t[0]) for t in truth), rel=1e-12)
    assert counts.known[0] == pytest.approx(sum(sum(t[1]) for t in truth), rel=1e-12)
    assert counts.init_known[0] == pytest.approx(sum(t[1][0] for t in truth), rel=1e-12)
    assert counts.learnt[0] == pytest.approx(sum(t[2] for t in truth), rel=1e-12)


def simulate(learners: int, steps: int, p: BKT, *, seed: int, forget=(1.0,)) -> dict:
    """Learners drawn from BKT itself: learn with T after each answer, then keep with R (one of `forget`)."""
    rng, seqs = random.Random(seed), {}
    for n in range(learners):
        known, outcomes, retained = rng.random() < p.p_init, [], []
        for t in range(steps):
            r = 1.0 if t == 0 else rng.choice(forget)
            if t:
                known = (known or rng.random() < p.p_learn) and rng.random() < r
            outcomes.append(rng.random() < ((1 - p.p_slip) if known else p.p_guess))
            retained.append(r)
        seqs[(n, "a")] = sequence(outcomes, retained)
    return seqs


def em(seqs, *, pseudo=0.0, iterations=400):
    data = baum_welch.Data.of(seqs)
    current, likelihoods = baum_welch.start(data, DEFAULT, [DEFAULT.p_guess]), []
    for _ in range(iterations):
        counts = baum_welch.e_step(data, current)
        likelihoods.append(counts.log_likelihood)
        current = baum_welch.m_step(data, counts, DEFAULT, [DEFAULT.p_guess], pseudo=pseudo, low=1e-3, high=0.999,
                                    degenerate=0.45)
        if len(likelihoods) > 1 and likelihoods[-1] - likelihoods[-2] < 1e-9 * data.answers:
            break
    return current, likelihoods


@pytest.mark.parametrize("forget", [(1.0,), (1.0, 1.0, 0.8, 0.6)], ids=["no forgetting", "forgetting"])
def test_em_recovers_the_parameters_of_simulated_learners(forget):
    """Tolerance: 4,000 learners × 25 answers; each parameter within 0.03 of the truth (unlike the defaults)."""
    truth = BKT(0.35, 0.08, 0.17, 0.27) if forget == (1.0,) else BKT(0.25, 0.2, 0.1, 0.15)
    fitted, likelihoods = em(simulate(4000, 25, truth, seed=3, forget=forget))
    for name, value in zip(("p_init", "p_learn", "p_slip"), (x[0] for x in fitted.bkt)):
        assert value == pytest.approx(getattr(truth, name), abs=0.03), name
    assert fitted.g[0] == pytest.approx(truth.p_guess, abs=0.03)
    # EM never lowers the likelihood (Dempster, Laird & Rubin 1977), with no pull toward the defaults
    assert all(b >= a - 1e-6 for a, b in zip(likelihoods, likelihoods[1:]))


def test_thin_data_stays_near_the_defaults():
    """Three learners who always answer right: the MLE would say known (P(L0) near 1, no slips); the
    defaults' 10 answers' worth keeps the fit near them, and much more data moves it."""
    always = {(n, "a"): sequence([True] * 4, [1.0] * 4) for n in range(3)}
    thin, _ = em(always, pseudo=10)
    assert abs(thin.init[0] - DEFAULT.p_init) < 0.25 and thin.slip[0] < DEFAULT.p_slip
    many = {(n, "a"): sequence([True] * 4, [1.0] * 4) for n in range(300)}
    thick, _ = em(many, pseudo=10)
    assert thick.init[0] > 0.8 > thin.init[0]


def test_each_choice_question_gets_its_own_guess_rate(catalogue):
    """Learners who never know lora-ideas: q1-lora-purpose (4 options, chance 0.25) is right 40% of the time
    (its wrong options give themselves away), gpt3-trainable-reduction at chance. Fitted apart."""
    rng = random.Random(9)
    easy, plain = "seed/q1-lora-purpose", "why-lora-qlora/gpt3-trainable-reduction"
    by_learner = {n: [attempt(i, key, rng.random() < rate, seed=i) for i, (key, rate) in
                      enumerate([(easy, 0.4), (plain, 0.25)] * 6)] for n in range(400)}
    result = fit(by_learner, catalogue)
    assert result.questions[easy].guess == pytest.approx(0.4, abs=0.05)
    assert result.questions[plain].guess == pytest.approx(0.25, abs=0.05)
    assert result.skills["lora-ideas"].params.p_learn < 0.05  # nobody learnt it
    rows = {(r.scope, r.name): r for r in result.rows()}
    assert rows[("question", easy)].p_guess == result.questions[easy].guess and rows[("skill", "lora-ideas")].learners == 400


def test_a_class_with_no_answers_fits_nothing(catalogue):
    result = fit({}, catalogue)
    assert result.skills == {} and result.rows() == [] and result.model().of("units") == DEFAULT
