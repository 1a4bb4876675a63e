"""Mastery of each skill from graded attempts: Bayesian Knowledge Tracing with forgetting.

Corbett, A. T. & Anderson, J. R. (1995). "Knowledge tracing: Modeling the acquisition of
procedural knowledge." User Modeling and User-Adapted Interaction 4(4), 253-278.

Each skill is a hidden state, known or not known; P(L) is the probability it is known.
For every piece of evidence (a right or a wrong answer about the skill), with the skill's
parameters (engine/practice/model.py: fitted from the class, or the defaults):

    0. forgetting  on the first answer of a new day, P(L) ← P(L) · R, with R the share kept
                   since the skill's last day: (1 - F) ** days with F, the share of a known
                   skill forgotten per day, fitted from the class (engine/practice/fit.py);
                   before a fit tells F, the skill's FSRS retrievability (engine/practice/
                   schedule.py)
    1. posterior   right: P(L|✓) = P(L)(1-S) / (P(L)(1-S) + (1-P(L))G)
                   wrong: P(L|✗) = P(L)(1-(1-S)a) / (P(L)(1-(1-S)a) + (1-P(L))(1-Ga))
    2. learning    P(L) ← P(L|obs) + (1 - P(L|obs)) T

a is the chance that the question's other skills all "worked" (each: P(1-S) + (1-P)G, as
they stand before this answer): a question is answered right only when every skill it
trains works (a noisy AND, as in conjunctive knowledge tracing: Koedinger, Pavlik, Stamper,
Nixon & Ritter 2011, "Avoiding problem selection thrashing with conjunctive knowledge
tracing", EDM 2011). So a wrong answer to a two-skill question with no named mistake blames
each skill by how likely it was the one that failed. With one skill, a named mistake (which
says which skill failed) or a right answer, a = 1 and this is Corbett & Anderson's update.

"Known now", what practice and the pages use, is P(L) · R(now): the chance the skill is
known today, not only just after the last answer. engine/practice/fit.py fits the
parameters, F included, with this same model (step 0 is the known → not-known transition).

What counts as evidence:
    - only the first attempt at each variant (question, seed), as BKT tutors score the
      first attempt at each step; a retry after seeing feedback says little;
    - a right answer is evidence of every skill the question trains;
    - a wrong answer with a named mistake is evidence against the skills that mistake
      reveals (engine/practice/skills.py); without a named mistake, against each of the
      question's skills, the blame shared through a (step 1).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import NamedTuple

from engine.practice.model import MASTERED, MIN_EVIDENCE, Model
from engine.practice.schedule import SkillMemory


class Attempt(NamedTuple):
    """One graded attempt, as much of it as mastery and scheduling need (a tuple: thousands
    are built per learner, and a frozen dataclass is several times slower to construct)."""

    id: int
    quiz_id: str
    question_id: str
    seed: int
    correct: bool
    mistake_id: str | None
    at: datetime


@dataclass(frozen=True)
class Item:
    """One practice question of the catalogue (engine/practice/catalogue.py)."""

    quiz_id: str
    question_id: str
    skills: tuple[str, ...]
    guess: float | None  # G by chance of a choice question; None for a typed answer (the skill's G)
    question: object = None  # the quiz question itself

    @cached_property
    def key(self) -> str:  # cached: the trace asks for it at every attempt
        return f"{self.quiz_id}/{self.question_id}"


class Evidence(NamedTuple):
    """One piece of evidence, as logged for the Progress chart and for fitting."""

    at: datetime
    skill: str
    correct: bool
    item: str  # "quiz/question"
    guess_slot: str  # whose G applies: "quiz/question" for a choice question, "skill:<id>" for a typed one
    days: int  # whole days (UTC) since the skill's previous answer; 0 within a day and at the first
    p: float  # P(L) after it
    others: float = 1.0  # a: the chance the question's other skills worked (step 1)
    after_slip: bool = False  # the learner's previous answer named a slip revealing the skill (step 2: T after a slip)


def update(p: float, correct: bool, guess: float, slip: float, learn: float, others: float = 1.0) -> float:
    """P(L) after one right or wrong answer (steps 1-2 of the module docstring)."""
    if correct:
        posterior = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
    else:
        wrong_known = 1 - (1 - slip) * others
        posterior = p * wrong_known / (p * wrong_known + (1 - p) * (1 - guess * others))
    return posterior + (1 - posterior) * learn


@dataclass
class Mastery:
    """P(L) per skill with its forgetting, evidence counts, named mistakes, and (optionally) a log."""

    model: Model = field(default_factory=Model)
    p: dict[str, float] = field(default_factory=dict)  # P(L) after the skill's latest evidence
    seen: Counter = field(default_factory=Counter)  # skill -> pieces of evidence
    memory: dict[str, SkillMemory] = field(default_factory=dict)
    mistakes: Counter = field(default_factory=Counter)  # mistake id -> times named
    mistake_skills: dict[str, tuple[str, ...]] = field(default_factory=dict)  # mistake id -> skills revealed
    named_at: dict[str, int] = field(default_factory=dict)  # mistake id -> `answers` when last named
    last_slip: tuple[str, ...] = ()  # the skills revealed by a slip named in the latest answer, if any
    answers: int = 0  # attempts traced (at known questions)
    tries: Counter = field(default_factory=Counter)  # question key -> attempts at it
    log: list[Evidence] | None = None
    _params: dict[str, tuple] = field(default_factory=dict, repr=False)
    scored: set[tuple[str, int]] = field(default_factory=set)  # variants (question key, seed) answered
    revealed: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (question, mistake) -> skills

    def of(self, skill: str) -> float:
        """P(L) after the skill's latest answer (before any forgetting since)."""
        return self.p.get(skill, self.model.of(skill).p_init)

    def known(self, skill: str, now: datetime) -> float:
        """P(known now) = P(L) · R(now)."""
        memory = self.memory.get(skill)
        if memory is None:
            return self.of(skill)
        forget = self.model.of(skill).p_forget
        if forget is None:
            return self.of(skill) * memory.retrievability(now)
        return self.of(skill) * (1 - forget) ** max(0, now.toordinal() - memory.day)

    def due(self, skill: str, threshold: float = MASTERED) -> datetime | None:
        """When the skill should come back: with the class's fitted F, the first day (00:00 UTC) on which
        P(known) falls below `threshold`; else FSRS's due date (R at 0.9). None before any answer."""
        memory = self.memory.get(skill)
        if memory is None or memory.first_at is None:
            return None
        forget, p = self.model.of(skill).p_forget, self.of(skill)
        if forget is None:
            return memory.due()
        days = 0 if p < threshold else math.floor(math.log(threshold / p) / math.log(1 - forget)) + 1
        return datetime.fromordinal(memory.day + days).replace(tzinfo=UTC)

    def mastered(self, skill: str, now: datetime, threshold: float = MASTERED) -> bool:
        return self.seen[skill] >= MIN_EVIDENCE and self.known(skill, now) >= threshold

    def observe(self, skill: str, correct: bool, item: Item, at: datetime, day: int | None = None,
                others: float = 1.0, after_slip: bool = False) -> None:
        """One piece of evidence (steps 0-2 of the module docstring); `day`: at.toordinal(), if known;
        `others`: a, the chance the question's other skills worked; `after_slip`: the previous answer
        named a slip revealing `skill` (this practice teaches with the fitted T after a slip)."""
        params = self._params.get(skill)
        if params is None:
            bkt = self.model.of(skill)
            params = self._params[skill] = (bkt.p_init, bkt.p_learn, bkt.p_slip, bkt.p_guess, bkt.p_forget,
                                            bkt.p_learn if bkt.p_learn_slip is None else bkt.p_learn_slip)
        init, learn, slip, guess, forget, learn_slip = params
        if after_slip:
            learn = learn_slip
        memory = self.memory.get(skill)
        if memory is None:
            memory = self.memory[skill] = SkillMemory()
        day = at.toordinal() if day is None else day
        if memory.day == day:  # same day: no forgetting (the fast path)
            memory.any_right = memory.any_right or correct
            retained, days = 1.0, 0
        else:
            days = day - memory.day if memory.day >= 0 else 0
            retained = memory.add(at, correct)
            if forget is not None:  # the class's own forgetting, fitted, in place of FSRS's curve
                retained = (1 - forget) ** days
        p = self.p.get(skill, init) * retained
        if item.guess is not None:  # below: update() inlined, a call less per piece of evidence
            guess = self.model.guesses.get(item.key, item.guess)
        if correct:  # step 1, then step 2
            posterior = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
        else:
            wrong_known = 1 - (1 - slip) * others
            posterior = p * wrong_known / (p * wrong_known + (1 - p) * (1 - guess * others))
        p = self.p[skill] = posterior + (1 - posterior) * learn
        self.seen[skill] += 1
        if self.log is not None:
            slot = f"skill:{skill}" if item.guess is None else item.key
            self.log.append(Evidence(at, skill, correct, item.key, slot, days, p, others, after_slip))

    def works(self, skill: str, item: Item, at: datetime) -> float:
        """The chance `skill` works in an answer to `item` now: P(known)(1 - S) + (1 - P(known))G."""
        params, known = self.model.of(skill), self.known(skill, at)
        return known * (1 - params.p_slip) + (1 - known) * self.model.guess(item, skill)


def trace(attempts: list[Attempt], items: dict[str, Item], skills, *, model: Model | None = None,
          log: bool = False, state: Mastery | None = None) -> Mastery:
    """Mastery after `attempts` (oldest first), continuing from `state` if given; attempts at
    questions not in `items` are skipped."""
    state = state or Mastery(model=model or Model(), log=[] if log else None)
    found: dict[tuple[str, str], Item | None] = {}  # (quiz, question) -> item: one key string per question
    observe = state.observe
    for attempt in attempts:
        pair = (attempt.quiz_id, attempt.question_id)
        item = found.get(pair, False)
        if item is False:
            item = found[pair] = items.get(f"{attempt.quiz_id}/{attempt.question_id}")
        if item is None:
            continue
        after, state.last_slip = state.last_slip, ()
        state.answers += 1
        state.tries[item.key] += 1
        if attempt.mistake_id:
            state.mistakes[attempt.mistake_id] += 1
            state.named_at[attempt.mistake_id] = state.answers
            pair = (item.key, attempt.mistake_id)
            if pair not in state.revealed:
                state.revealed[pair] = skills.of_mistake(item.question, attempt.mistake_id)
            state.mistake_skills[attempt.mistake_id] = state.revealed[pair]
            if not attempt.correct:
                state.last_slip = state.revealed[pair]
        variant = (item.key, attempt.seed)
        if variant in state.scored:
            continue
        state.scored.add(variant)
        if attempt.correct:
            evidence = item.skills
        else:
            evidence = state.mistake_skills[attempt.mistake_id] if attempt.mistake_id else item.skills
        day = attempt.at.toordinal()
        if attempt.correct or attempt.mistake_id or len(evidence) == 1:
            for skill in evidence:
                observe(skill, attempt.correct, item, attempt.at, day, 1.0, skill in after)
        else:  # a wrong answer that names no mistake: each skill blamed by how likely it failed (a, step 1)
            works = [state.works(skill, item, attempt.at) for skill in evidence]
            for k, skill in enumerate(evidence):
                observe(skill, False, item, attempt.at, day, math.prod(works[:k] + works[k + 1:]), skill in after)
    return state
