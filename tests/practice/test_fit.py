"""Fitting BKT by EM (engine/practice/fit.py, engine/practice/baum_welch.py): the forward-backward
against brute-force enumeration of every hidden path, recovery of known parameters from
simulated learners, shrinkage toward the defaults, and per-question guess rates."""

from __future__ import annotations

import itertools
import math
import random
from types import SimpleNamespace

import numpy as np
import pytest

from engine.practice import baum_welch
from engine.practice.fit import fit
from engine.practice.mastery import Evidence
from engine.practice.model import BKT, DEFAULT
from tests.practice.conftest import NOW, attempt


def sequence(outcomes, days, slot="skill:a", skill="a", others=None, after=None):
    others, after = others or [1.0] * len(outcomes), after or [False] * len(outcomes)
    return [Evidence(NOW, skill, o, "q", slot, d, 0.0, a, f) for o, d, a, f in zip(outcomes, days, others, after)]


def params(p: BKT, guesses, forget: float = 0.0, rho: float = 1.0) -> baum_welch.Params:
    return baum_welch.Params(np.array([p.p_init]), np.array([p.p_learn]), np.array([p.p_slip]), np.array(guesses),
                             np.array([forget]), rho)


def gap_paths(days: int, forget: float):
    """What may happen to a known skill over `days` days: (kept?, days at risk, probability), the
    forgetting day by day: kept with (1 - F) each day, forgotten on day k with (1 - F)^(k-1) F."""
    yield True, days, (1 - forget) ** days
    for k in range(1, days + 1):
        yield False, k, (1 - forget) ** (k - 1) * forget


def brute_force(outcomes, days, p: BKT, guess: float, others, forget: float, after, rho: float):
    """(likelihood, P(known) at each step, expected learning events after an ordinary practice and
    after a slip, forgettings, days at risk), summing over every hidden path, where each gap is:
    learn (if not known) with T, or T · ρ after a practice right after a slip, then, across whole
    days, forget (if known) on one of those days or keep; a wrong answer comes from this skill
    failing or, with 1 - a, from another skill of the question failing."""
    total, known, learnt, forgot, exposure = 0.0, [0.0] * len(outcomes), [0.0, 0.0], 0.0, 0.0
    choices = [[(learn, kept, risk, q) for learn in (0, 1) for kept, risk, q in gap_paths(d, forget)]
               for d in days[1:]]
    for start in (0, 1):
        for path in itertools.product(*choices):
            state, prob, events, lost, at_risk = start, (p.p_init if start else 1 - p.p_init), [0, 0], 0, 0
            states = [state]
            for (learn, kept, risk, q), slipped in zip(path, after):
                if state == 0:
                    taught = p.p_learn * rho if slipped else p.p_learn
                    prob *= taught if learn else 1 - taught
                    state = 1 if learn else 0
                    events[slipped] += learn
                elif learn:  # a known skill has no learning event: count each path once
                    prob = 0.0
                if state == 1:
                    prob *= q
                    state, lost, at_risk = (1 if kept else 0), lost + (not kept), at_risk + risk
                elif not kept:  # an unknown skill has nothing to forget: its one path is "kept", with 1
                    prob = 0.0
                states.append(state)
            for state, o, a in zip(states, outcomes, others):
                works = (1 - p.p_slip) if state else guess
                prob *= works if o else 1 - works * a
            total += prob
            learnt = [x + prob * e for x, e in zip(learnt, events)]
            forgot += prob * lost
            exposure += prob * at_risk
            for t, state in enumerate(states):
                known[t] += prob * state
    return total, [k / total for k in known], [x / total for x in learnt], forgot / total, exposure / total


def test_forward_backward_matches_brute_force_with_forgetting_slips_and_blame():
    p, guess, forget, rho = BKT(0.3, 0.2, 0.15, 0.25), 0.25, 0.2, 1.7
    rng = random.Random(5)
    cases = [([rng.random() < 0.6 for _ in range(n)], [0] + [rng.choice([0, 1, 1, 2, 3]) for _ in range(n - 1)],
              [rng.choice([1.0, rng.uniform(0.3, 1.0)]) for _ in range(n)], [rng.random() < 0.4 for _ in range(n)])
             for n in (5, 4, 2)]
    data = baum_welch.Data.of({(i, "a"): sequence(o, d, others=a, after=f) for i, (o, d, a, f) in enumerate(cases)})
    counts = baum_welch.e_step(data, params(p, [guess], forget, rho))
    truth = [brute_force(o, d, p, guess, a, forget, f, rho) for o, d, a, f in cases]
    assert counts.log_likelihood == pytest.approx(sum(math.log(t[0]) for t in truth), rel=1e-12)
    assert counts.known[0] == pytest.approx(sum(sum(t[1]) for t in truth), rel=1e-12)
    assert counts.init_known[0] == pytest.approx(sum(t[1][0] for t in truth), rel=1e-12)
    assert counts.learnt[0] == pytest.approx(sum(t[2][0] for t in truth), rel=1e-12)
    assert counts.learnt_slip[0] == pytest.approx(sum(t[2][1] for t in truth), rel=1e-12) and counts.learnt_slip[0] > 0
    assert counts.forgot[0] == pytest.approx(sum(t[3] for t in truth), rel=1e-12) and counts.forgot[0] > 0
    assert counts.exposure[0] == pytest.approx(sum(t[4] for t in truth), rel=1e-12)


def simulate(learners: int, steps: int, p: BKT, *, seed: int, forget: float = 0.0, skill: str = "a",
             days=(0,), rho: float = 1.0) -> dict:
    """Learners drawn from BKT itself: learn with T after each answer (T · ρ after a practice that
    came right after a slip, a wrong answer half the time), then, across each gap of whole days
    (one of `days`), forget a known skill with F per day."""
    rng, seqs = random.Random(seed), {}
    for n in range(learners):
        known, outcomes, gaps, after = rng.random() < p.p_init, [], [], []
        for t in range(steps):
            gap = 0 if t == 0 else rng.choice(days)
            if t:
                known = known or rng.random() < p.p_learn * (rho if after[-1] else 1.0)
                for _ in range(gap):
                    known = known and rng.random() >= forget
            outcomes.append(rng.random() < ((1 - p.p_slip) if known else p.p_guess))
            gaps.append(gap)
            after.append(t > 0 and not outcomes[-2] and rng.random() < 0.5)
        seqs[(n, skill)] = sequence(outcomes, gaps, skill=skill, slot=f"skill:{skill}", after=after)
    return seqs


def em(seqs, *, pseudo=0.0, iterations=400, pseudo_forget=0.0):
    data = baum_welch.Data.of(seqs)
    guesses = [DEFAULT.p_guess] * len(data.slots)
    current, likelihoods = baum_welch.start(data, DEFAULT, guesses, 0.05, 2.0), []
    for _ in range(iterations):
        counts = baum_welch.e_step(data, current)
        likelihoods.append(counts.log_likelihood)
        current = baum_welch.m_step(data, counts, DEFAULT, guesses, pseudo=pseudo, low=1e-3, high=0.999,
                                    degenerate=0.45, forget=0.05, pseudo_forget=pseudo_forget, max_forget=0.5,
                                    rho=2.0, rho_range=(0.2, 5.0))
        if len(likelihoods) > 1 and likelihoods[-1] - likelihoods[-2] < 1e-9 * data.answers:
            break
    return current, likelihoods


@pytest.mark.parametrize("forget, rho", [(0.0, 1.0), (0.12, 2.5)], ids=["no forgetting", "forgetting, slips teach"])
def test_em_recovers_the_parameters_of_simulated_learners(forget, rho):
    """Tolerance: 4,000 learners × 25 answers, a new day before 40% of them (one to three days
    later); each parameter, the forgetting rate included, within 0.03 of the truth (unlike the
    defaults and EM's starting F, 0.05), and ρ within 0.3 (EM starts it at 2)."""
    truth = BKT(0.35, 0.08, 0.17, 0.27) if not forget else BKT(0.25, 0.1, 0.1, 0.15)
    fitted, likelihoods = em(simulate(4000, 25, truth, seed=3, forget=forget, days=(0, 0, 0, 1, 2, 3), rho=rho))
    for name, value in zip(("p_init", "p_learn", "p_slip"), (x[0] for x in fitted.bkt)):
        assert value == pytest.approx(getattr(truth, name), abs=0.03), name
    assert fitted.g[0] == pytest.approx(truth.p_guess, abs=0.03)
    assert fitted.forget[0] == pytest.approx(max(forget, 1e-3), abs=0.03)
    assert fitted.rho == pytest.approx(rho, abs=0.3)
    # EM never lowers the likelihood (Dempster, Laird & Rubin 1977), with no pull toward the defaults
    assert all(b >= a - 1e-6 for a, b in zip(likelihoods, likelihoods[1:]))


def test_a_skill_with_little_data_takes_the_class_forgetting_rate():
    """Four skills forgotten at 0.05, 0.1, 0.15 and 0.2 a day, by 3,000 learners each, and a fifth with
    20 learners, forgotten at 0.3. Pooled with 200 days' worth of shrinkage, the busy skills keep their
    own rates (within 0.03) and the thin one stays near the class's (0.125), not at its own noisy one."""
    p = BKT(0.3, 0.2, 0.1, 0.2)
    seqs = {}
    for k, rate in enumerate((0.05, 0.1, 0.15, 0.2)):
        seqs |= simulate(3000, 12, p, seed=10 + k, forget=rate, skill=f"s{k}", days=(0, 0, 1, 2))
    seqs |= simulate(20, 12, p, seed=20, forget=0.3, skill="thin", days=(0, 0, 1, 2))
    fitted, _ = em(seqs, pseudo_forget=200.0)
    data = baum_welch.Data.of(seqs)
    rates = dict(zip(data.skills, fitted.forget))
    for k, rate in enumerate((0.05, 0.1, 0.15, 0.2)):
        assert rates[f"s{k}"] == pytest.approx(rate, abs=0.03), k
    assert abs(rates["thin"] - 0.125) < 0.04


def test_thin_data_stays_near_the_defaults():
    """Three learners who always answer right: the MLE would say known (P(L0) near 1, no slips); the
    defaults' 10 answers' worth keeps the fit near them, and much more data moves it."""
    always = {(n, "a"): sequence([True] * 4, [0] * 4) for n in range(3)}
    thin, _ = em(always, pseudo=10)
    assert abs(thin.init[0] - DEFAULT.p_init) < 0.25 and thin.slip[0] < DEFAULT.p_slip
    many = {(n, "a"): sequence([True] * 4, [0] * 4) for n in range(300)}
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


def test_a_choice_question_with_little_data_takes_the_class_guessing_above_chance():
    """Six busy questions (chance 0.25), guessed at 0.30 to 0.45 in 2,000 answers each while not known,
    and a thin one, wrong in all 5 of its answers. The busy ones keep their own G (within 0.02); the
    thin one is pulled toward chance plus the class's excess (0.25 + 0.117), not to 0 nor to chance.
    A typed answer's slot (the last) keeps the pull of `pseudo` answers toward its default."""
    rates = [0.30, 0.35, 0.40, 0.45, 0.30, 0.40]
    unknown = np.array([2000.0] * 6 + [5.0, 4.0])
    guessed = np.array([2000 * r for r in rates] + [0.0, 4.0])
    counts = SimpleNamespace(unknown_slot=unknown, guessed_slot=guessed)
    chance = np.array([0.25] * 7 + [0.2])
    g = baum_welch.guesses_of(counts, chance, np.array([True] * 7 + [False]), pseudo=10.0, low=1e-3,
                              top=np.full(8, 0.45))
    assert g[:6] == pytest.approx(rates, abs=0.02)
    assert 0.3 < g[6] < 0.4
    assert g[7] == pytest.approx((4 + 10 * 0.2) / (4 + 10))


def test_a_class_with_no_answers_fits_nothing(catalogue):
    result = fit({}, catalogue)
    assert result.skills == {} and result.rows() == [] and result.model().of("units") == DEFAULT
