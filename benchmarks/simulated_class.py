"""Simulated learners for benchmarks/adaptive.py: a known BKT with forgetting, per skill.

A world is one draw of true parameters, unlike the engine's defaults (P(L0) 0.2, T 0.15,
S 0.1, G 0.2) and different for every skill:

    P(L0) ~ U(0.05, 0.6)   T ~ U(0.04, 0.4)   S ~ U(0.03, 0.25)   G (typed) ~ U(0.05, 0.35)
    F, the share of a known skill forgotten per day, ~ U(0.05, 0.15) (10% a day on average)
    G of a choice question: its chance (1/options) + U(0, 0.2): wrong options give themselves away

A learner answers question q (skills K) as in BKT with a noisy AND over K:
    typed   right when every skill "works": a known skill with 1 - S, an unknown one with G
    choice  right with ∏(1 - S) when all of K is known, else with the question's own G
    then each skill of K not known is learnt with T (the practice opportunity), and between
    days each known skill is kept with (1 - F) ** days.
A wrong answer names a mistake of the question that reveals a skill that failed, as the
grader would, 70% of the time (engine/practice/skills.py maps mistakes to skills); else none.

The engine never reads any of this: it sees only the attempts a learner leaves in the
store. Random numbers are common across policies (one stream per learner and purpose,
and per skill for learning and forgetting), so the same learner meets each policy with
the same starting knowledge and the same luck: differences are paired.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

NAMED = 0.7  # share of wrong answers whose mistake the grader names
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning; sessions start at 09:00 UTC


def session_times(days: int, answers: int) -> list[datetime]:
    """When each answer is given: `answers` spread evenly over `days` mornings, a minute apart."""
    per_day = math.ceil(answers / days)
    return [START + timedelta(days=n // per_day, minutes=n % per_day) for n in range(answers)]


@dataclass(frozen=True)
class TrueSkill:
    p_init: float
    p_learn: float
    p_slip: float
    p_guess: float
    forget: float  # per day


@dataclass
class World:
    """True parameters of one draw (module docstring), for a catalogue."""

    skills: dict[str, TrueSkill]
    guesses: dict[str, float]  # choice question key -> true G
    catalogue: object
    seed: int

    @classmethod
    def draw(cls, catalogue, seed: int) -> World:
        rng = random.Random(f"world-{seed}")
        ids = sorted({s for item in catalogue.items.values() for s in item.skills})
        skills = {s: TrueSkill(rng.uniform(0.05, 0.6), rng.uniform(0.04, 0.4), rng.uniform(0.03, 0.25),
                               rng.uniform(0.05, 0.35), rng.uniform(0.05, 0.15)) for s in ids}
        guesses = {key: min(0.9, item.guess + rng.uniform(0.0, 0.2))
                   for key, item in sorted(catalogue.items.items()) if item.guess is not None}
        return cls(skills, guesses, catalogue, seed)


@dataclass
class Learner:
    """One simulated learner: which skills they know, and their own random streams."""

    world: World
    number: int
    known: dict[str, bool] = field(default_factory=dict)
    day: int = 0
    _streams: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        start = self.stream("start")
        self.known = {s: start.random() < p.p_init for s, p in sorted(self.world.skills.items())}

    def stream(self, *name) -> random.Random:
        key = name
        if key not in self._streams:
            self._streams[key] = random.Random(f"{self.world.seed}-{self.number}-" + "-".join(map(str, name)))
        return self._streams[key]

    def advance_to(self, day: int) -> None:
        """Forgetting between sessions: each known skill kept with (1 - F) per day."""
        for d in range(self.day + 1, day + 1):
            for skill, p in self.world.skills.items():
                draw = self.stream("forget", skill).random()  # one draw per skill per day, known or not
                if self.known[skill] and draw < p.forget:
                    self.known[skill] = False
        self.day = max(self.day, day)

    def answer(self, item) -> tuple[bool, str | None]:
        """(right?, named mistake or None) for one answer to `item`, then learning."""
        rng = self.stream("answer")
        draws = [rng.random() for _ in item.skills]
        failed = []
        if item.guess is None:  # typed: a noisy AND of the skills
            for skill, u in zip(item.skills, draws):
                p = self.world.skills[skill]
                if u >= ((1 - p.p_slip) if self.known[skill] else p.p_guess):
                    failed.append(skill)
        else:
            unknown = [s for s in item.skills if not self.known[s]]
            if unknown:
                failed = unknown if draws[0] >= self.world.guesses[item.key] else []
            else:
                failed = [s for s, u in zip(item.skills, draws) if u < self.world.skills[s].p_slip]
        right = not failed
        mistake = None if right else self._mistake(item, failed, rng)
        for skill in item.skills:  # the practice opportunity
            draw = self.stream("learn", skill).random()
            if not self.known[skill] and draw < self.world.skills[skill].p_learn:
                self.known[skill] = True
        return right, mistake

    def _mistake(self, item, failed: list[str], rng: random.Random) -> str | None:
        skills = self.world.catalogue.skills
        revealing = [m.id for m in item.question.solution.common_mistakes
                     if set(skills.of_mistake(item.question, m.id)) & set(failed)]
        named = rng.random() < NAMED
        return rng.choice(revealing) if revealing and named else None

    def skills_known(self) -> int:
        return sum(self.known.values())


def practise_randomly(world: World, catalogue, number: int, answers: int, days: int) -> list[tuple]:
    """A learner answering random questions: [(item, seed, right, mistake, at, true knowledge after)]."""
    learner, rng, out = Learner(world, number), random.Random(f"random-{number}"), []
    for n, at in enumerate(session_times(days, answers)):
        learner.advance_to((at.date() - START.date()).days)
        item = rng.choice(catalogue.practice)
        right, mistake = learner.answer(item)
        out.append((item, n, right, mistake, at, dict(learner.known)))
    return out
