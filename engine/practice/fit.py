"""Fitting knowledge tracing to the class's own attempts: expectation-maximisation.

The method of pyBKT (Badrinath, Wang & Pardos 2021, "pyBKT: An accessible Python library of
Bayesian Knowledge Tracing models", EDM 2021) and of BKT since Corbett & Anderson: BKT is a
two-state hidden Markov model per skill, fitted by Baum-Welch (Rabiner 1989, "A tutorial on
hidden Markov models", Proc. IEEE 77(2), sec. III-C). pyBKT itself does not install beside
numpy 2, and ours adds forgetting, a guess rate per choice question and blame shared between
a question's skills, so the fit is written out here:

    1. evidence   every learner's attempts, traced as engine/practice/mastery.py does (first
                  attempt per variant; a named mistake is evidence about the skills it
                  reveals), give per (learner, skill) a sequence of answers, each with whose
                  G applies (the skill's for a typed answer, the question's for a choice
                  question), d, the whole days since the learner's previous answer about the
                  skill, and a, the chance the question's other skills worked (engine/practice/
                  mastery.py)
    2. E step     forward-backward over every sequence, all learners at once (numpy, one
                  step of time at a time). Between two answers the hidden state moves by
                      not known → known   T · R        known → known   R = (1 - F) ** d
                  (learning, then forgetting: F, the share of a known skill lost per day, as
                  BKT with forgetting across days does: Qiu, Qi, Lu, Pardos & Heffernan 2011,
                  "Does time matter? Modeling the effect of time with Bayesian knowledge
                  tracing", EDM 2011)
                  A practice right after a named slip revealing the skill (its feedback read)
                  learns with T · ρ, one ρ for the class, as BKT measures whether help helps
                  (Beck, Chang, Mostow & Corbett 2008, "Does help help? Introducing the
                  Bayesian Evaluation and Assessment methodology", ITS 2008); ρ is used only
                  once MIN_SLIP_CHANCES such practices tell it, and sets the policy's weight
                  on a slip (engine/practice/next_question.py)
    3. M step     expected counts → new parameters, pulled toward the defaults by PSEUDO
                  answers' worth of them (MAP with Beta priors):
                      value = (expected count + PSEUDO · default) / (expected trials + PSEUDO)
                  so a skill with little data keeps values near the defaults; a choice
                  question's G is pulled toward its chance plus the class's guessing above
                  chance over every choice question, by as much as their spread tells
                  (empirical Bayes, engine/practice/baum_welch.py guesses_of).
                  F is seen only where a learner answers about a skill on two different days,
                  far more rarely than an answer: each skill's F is pulled toward the class's
                  F pooled over every skill by PSEUDO_FORGET days' worth of it, and F is used
                  at all (in place of FSRS's curve, engine/practice/schedule.py) only once the
                  class shows MIN_EXPOSURE known-skill days
    4. repeat     until the log-likelihood gains less than TOL per answer, or MAX_ITER times;
                  then trace again with the fit (a depends on it) and fit once more (PASSES)

T's expected count includes a learning hidden by a forgetting in the same gap: of the moves
not known → not known, the share T(1 - R) / (1 - T·R) learnt and then forgot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from engine.practice.mastery import Evidence, trace
from engine.practice.model import DEFAULT, MASTERED, MIN_EVIDENCE, BKT, Model
from engine.progress.fits import FittedRow

PSEUDO = 10.0  # answers' worth of the defaults in every estimate (the shrinkage)
PASSES = 2  # trace, fit, trace again with the fit (for a), fit again
MAX_STEPS = 500  # answers per (learner, skill) used: the first ones, where learning happens
TOL, MAX_ITER = 1e-6, 300
LOW, HIGH = 0.001, 0.999  # probabilities stay inside, so no likelihood is ever 0
DEGENERATE = 0.45  # S and G stay below 0.5 (engine/practice/model.py)
START_FORGET = 0.05  # F where EM starts: about FSRS-6's default loss over the day after a first right answer
PSEUDO_FORGET = 200.0  # days' worth of the class's pooled F in each skill's F (the shrinkage across skills)
MAX_FORGET = 0.5  # F per day stays below this
MIN_EXPOSURE = 100.0  # known-skill days the class must have been seen across before F is used (else FSRS)
SLIP_RHO = 2.0  # ρ before the data tells it: a practice right after a slip teaches 2T (the policy's weight 1)
RHO_RANGE = (0.2, 5.0)
MIN_SLIP_CHANCES = 50.0  # expected practices right after a slip, while not known, before ρ is used (else T)


@dataclass
class Fitted:
    """One fitted skill (`params`) or choice question (`guess`), with what it rests on."""

    answers: int
    learners: int
    params: BKT | None = None
    guess: float | None = None
    mastered: float | None = None  # share of its learners whose P(L) was past mastery at the end

    @property
    def data_weight(self) -> float:
        return self.answers / (self.answers + PSEUDO)


@dataclass
class Fit:
    skills: dict[str, Fitted] = field(default_factory=dict)
    questions: dict[str, Fitted] = field(default_factory=dict)  # "quiz/question" -> its G
    learners: int = 0
    answers: int = 0
    iterations: int = 0
    log_likelihood: float = 0.0  # per answer, at the fitted parameters
    fitted_at: datetime | None = None  # once stored

    def model(self) -> Model:
        return Model(skills={s: f.params for s, f in self.skills.items()},
                     guesses={q: f.guess for q, f in self.questions.items()})

    def rows(self) -> list[FittedRow]:
        skills = [FittedRow("skill", s, f.params.p_guess, f.answers, f.learners, f.data_weight, f.params.p_init,
                            f.params.p_learn, f.params.p_slip, f.mastered, f.params.p_forget, f.params.p_learn_slip)
                  for s, f in self.skills.items()]
        return skills + [FittedRow("question", q, f.guess, f.answers, f.learners, f.data_weight)
                         for q, f in self.questions.items()]


def sequences(by_learner: dict, catalogue, model: Model | None = None) -> dict[tuple[int, str], list[Evidence]]:
    """(learner, skill) -> that learner's evidence about the skill, oldest first (step 1), traced with `model`."""
    found: dict[tuple[int, str], list[Evidence]] = defaultdict(list)
    for learner, attempts in by_learner.items():
        for evidence in trace(attempts, catalogue.items, catalogue.skills, model=model, log=True).log:
            found[(learner, evidence.skill)].append(evidence)
    return {key: seq[:MAX_STEPS] for key, seq in found.items()}


def fit(by_learner: dict, catalogue, *, pseudo: float = PSEUDO, max_iter: int = MAX_ITER) -> Fit:
    """Fit every skill and choice question from `by_learner` (learner id -> attempts, oldest first)."""
    from engine.practice import baum_welch  # numpy: only a fit needs it

    seqs = sequences(by_learner, catalogue)
    result = Fit(learners=len(by_learner), answers=sum(map(len, seqs.values())))
    if not seqs:
        return result
    params = None
    for _ in range(PASSES):  # a: the chance a question's other skills worked depends on the model: trace again
        data = baum_welch.Data.of(seqs)
        chance = [DEFAULT.p_guess if s.startswith("skill:") else catalogue.items[s].guess for s in data.slots]
        params, previous = params or baum_welch.start(data, DEFAULT, chance, START_FORGET, SLIP_RHO), None
        for result.iterations in range(result.iterations + 1, result.iterations + max_iter + 1):  # steps 2-4
            counts = baum_welch.e_step(data, params)
            params = baum_welch.m_step(data, counts, DEFAULT, chance, pseudo=pseudo, low=LOW, high=HIGH,
                                       degenerate=DEGENERATE, forget=START_FORGET, pseudo_forget=PSEUDO_FORGET,
                                       max_forget=MAX_FORGET, rho=SLIP_RHO, rho_range=RHO_RANGE)
            if previous is not None and counts.log_likelihood - previous < TOL * data.answers:
                break
            previous = counts.log_likelihood
        seqs = sequences(by_learner, catalogue, _model(data, params, counts))
    data = baum_welch.Data.of(seqs)
    final = baum_welch.e_step(data, params)
    result.log_likelihood = final.log_likelihood / data.answers
    model, mastered = _model(data, params, final), (final.p_last >= MASTERED) & (data.lengths >= MIN_EVIDENCE)
    for k, skill in enumerate(data.skills):
        rows = data.skill_of_row == k
        result.skills[skill] = Fitted(int(data.answers_per_skill[k]), int(rows.sum()), model.skills[skill],
                                      mastered=float(mastered[rows].mean()))
    for j, slot in enumerate(data.slots):
        if slot in model.guesses:
            result.questions[slot] = Fitted(int(data.answers_per_slot[j]), int(data.learners_per_slot[j]),
                                            guess=model.guesses[slot])
    return result


def _model(data, params, counts) -> Model:
    """The Model of EM's current parameters (for tracing the evidence again); F and T after a slip
    only where the class's attempts tell them (`counts`): else FSRS's curve, and T."""
    from engine.practice.baum_welch import TOP

    slot = data.slot_index
    forgets = counts.exposure.sum() >= MIN_EXPOSURE
    slips = counts.chances_slip.sum() >= MIN_SLIP_CHANCES
    after_slip = [min(float(t) * params.rho, TOP) for t in params.learn]
    skills = {skill: BKT(float(params.init[k]), float(params.learn[k]), float(params.slip[k]),
                         float(params.g[slot[f"skill:{skill}"]]) if f"skill:{skill}" in slot else DEFAULT.p_guess,
                         float(params.forget[k]) if forgets else None, float(after_slip[k]) if slips else None)
              for k, skill in enumerate(data.skills)}
    return Model(skills=skills, guesses={s: float(params.g[j]) for j, s in enumerate(data.slots)
                                         if not s.startswith("skill:")})
