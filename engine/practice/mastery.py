"""Mastery of each skill from graded attempts: Bayesian Knowledge Tracing.

Corbett, A. T. & Anderson, J. R. (1995). "Knowledge tracing: Modeling the acquisition of
procedural knowledge." User Modeling and User-Adapted Interaction 4(4), 253-278.

Each skill is a hidden state, known or not known; P(L) is the probability it is known.
For every piece of evidence (a right or a wrong answer about the skill):

    1. posterior   right: P(L|✓) = P(L)(1-S) / (P(L)(1-S) + (1-P(L))G)
                   wrong: P(L|✗) = P(L)S / (P(L)S + (1-P(L))(1-G))
    2. learning    P(L) ← P(L|obs) + (1 - P(L|obs)) T

Parameters (`BKT`), the same for every skill, chosen as the usual starting values of the
BKT literature rather than fitted (the class is too small to fit per skill):
    P(L0) = 0.2   known before any practice
    T     = 0.15  chance to learn the skill at each practice opportunity
    S     = 0.1   slip: a wrong answer although the skill is known
    G     = guess: a right answer although it is not known. It depends on the question:
            1/number of options for choice questions, 0.05 for a typed answer (a number,
            an expression, printed output), which is hard to hit by chance.

What counts as evidence (engine/practice/history.py reads the attempts):
    - only the first attempt at each variant (question, seed), as BKT tutors score the
      first attempt at each step; a retry after seeing feedback says little;
    - a right answer is evidence of every skill the question trains;
    - a wrong answer with a named mistake is evidence against the skills that mistake
      reveals (engine/practice/skills.py); without a named mistake, against all the
      question's skills.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

MASTERED = 0.95  # P(L) at which a skill counts as mastered (Corbett & Anderson's criterion)
TYPED_GUESS = 0.05  # G for a typed answer


@dataclass(frozen=True)
class BKT:
    p_init: float = 0.2
    p_learn: float = 0.15
    p_slip: float = 0.1


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
    guess: float  # G for this question
    question: object = None  # the quiz question itself

    @property
    def key(self) -> str:
        return f"{self.quiz_id}/{self.question_id}"


def update(p: float, correct: bool, guess: float, params: BKT = BKT()) -> float:
    """P(L) after one right or wrong answer (steps 1-2 of the module docstring)."""
    s, g = params.p_slip, guess
    if correct:
        posterior = p * (1 - s) / (p * (1 - s) + (1 - p) * g)
    else:
        posterior = p * s / (p * s + (1 - p) * (1 - g))
    return posterior + (1 - posterior) * params.p_learn


@dataclass
class Mastery:
    """P(L) per skill, evidence counts, named mistakes, and (optionally) the history of P(L)."""

    p: dict[str, float] = field(default_factory=dict)
    seen: Counter = field(default_factory=Counter)  # skill -> pieces of evidence
    mistakes: Counter = field(default_factory=Counter)  # mistake id -> times named
    mistake_skills: dict[str, tuple[str, ...]] = field(default_factory=dict)  # mistake id -> skills revealed
    timeline: list[tuple[datetime, str, float]] | None = None  # (when, skill, P(L) after)
    params: BKT = BKT()
    scored: set[tuple[str, int]] = field(default_factory=set)  # variants (question key, seed) already counted
    revealed: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # (question, mistake) -> skills

    def of(self, skill: str) -> float:
        return self.p.get(skill, self.params.p_init)

    def observe(self, skill: str, correct: bool, guess: float, at: datetime) -> None:
        self.p[skill] = update(self.of(skill), correct, guess, self.params)
        self.seen[skill] += 1
        if self.timeline is not None:
            self.timeline.append((at, skill, self.p[skill]))


def trace(attempts: list[Attempt], items: dict[str, Item], skills, *, timeline: bool = False,
          params: BKT = BKT(), state: Mastery | None = None) -> Mastery:
    """Mastery after `attempts` (oldest first), continuing from `state` if given; attempts at
    questions not in `items` are skipped."""
    state = state or Mastery(timeline=[] if timeline else None, params=params)
    for attempt in attempts:
        item = items.get(f"{attempt.quiz_id}/{attempt.question_id}")
        if item is None:
            continue
        if attempt.mistake_id:
            state.mistakes[attempt.mistake_id] += 1
            pair = (item.key, attempt.mistake_id)
            if pair not in state.revealed:
                state.revealed[pair] = skills.of_mistake(item.question, attempt.mistake_id)
            state.mistake_skills[attempt.mistake_id] = state.revealed[pair]
        variant = (item.key, attempt.seed)
        if variant in state.scored:
            continue
        state.scored.add(variant)
        if attempt.correct:
            for skill in item.skills:
                state.observe(skill, True, item.guess, attempt.at)
        else:
            revealed = state.mistake_skills[attempt.mistake_id] if attempt.mistake_id else item.skills
            for skill in revealed:
                state.observe(skill, False, item.guess, attempt.at)
    return state
