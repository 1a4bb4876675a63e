"""The parameters of Bayesian Knowledge Tracing: per skill, and per choice question.

Corbett, A. T. & Anderson, J. R. (1995). "Knowledge tracing." User Modeling and
User-Adapted Interaction 4(4), 253-278. Four numbers per skill, and a fifth for forgetting:

    P(L0)  p_init   known before any practice
    T      p_learn  chance to learn the skill at each practice opportunity
    S      p_slip   a wrong answer although the skill is known
    G      p_guess  a right answer although it is not known, for a typed answer (a number,
                    an expression, printed output)
    F      p_forget share of a known skill forgotten per day without practice (BKT with
                    forgetting across days, Qiu et al. 2011); None, the default, until a fit
                    tells it: FSRS's curve then (engine/practice/schedule.py)

A choice question has a G of its own: chance alone gives 1/options (one right option) or
1/(2**n - 1) (any non-empty set of ticks), and a fit finds how much more the wrong options
give away. Fitted values (engine/practice/fit.py, stored by engine/progress/fits.py)
replace these defaults skill by skill; a skill or question the class has not answered
keeps them.

The defaults are the usual starting values of the BKT literature for P(L0), T and S. G for a
typed answer is 0.2 rather than the 0.05 that a blind guess at a number would earn: a learner
without the skill often gets a guided, step-by-step question right anyway, and a G that low
made one right typed answer move P(known) from 0.2 to 0.85 (with 0.2 it moves to 0.6). A fit
keeps G and S at most 0.45: above 0.5 a model is "degenerate", a right answer counting as
evidence against knowing the skill (Baker, Corbett & Aleven 2008, "More accurate student
modeling through contextual estimation of slip and guess probabilities", ITS 2008).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

MASTERED = 0.95  # P(known now) at which a skill counts as mastered (Corbett & Anderson's criterion)
MIN_EVIDENCE = 3  # ...and after at least this many answers: a 95% from one or two answers rests on the parameters
SLIP_WEIGHT = 1.0  # a named slip's extra weight on its skill's next practice until a fit tells T after a slip


@dataclass(frozen=True)
class BKT:
    """One skill's parameters (the table of the module docstring)."""

    p_init: float = 0.2
    p_learn: float = 0.15
    p_slip: float = 0.1
    p_guess: float = 0.2  # G of a typed answer
    p_forget: float | None = None  # F: share of the known skill forgotten per day; None: FSRS's curve
    p_learn_slip: float | None = None  # T of a practice right after a named slip revealing it; None: T


DEFAULT = BKT()


@dataclass(frozen=True)
class Model:
    """Parameters for every skill and choice question; what is not fitted takes `default`."""

    skills: Mapping[str, BKT] = field(default_factory=dict)
    guesses: Mapping[str, float] = field(default_factory=dict)  # "quiz/question" -> fitted G of a choice question
    default: BKT = DEFAULT
    fitted_at: datetime | None = None  # None: nothing fitted, the defaults throughout

    def of(self, skill: str) -> BKT:
        return self.skills.get(skill, self.default)

    def slip_weight(self, skill: str) -> float:
        """What practising `skill` right after a named slip revealing it adds over any other practice:
        T after a slip / T - 1 where fitted (never below 0), else SLIP_WEIGHT."""
        params = self.of(skill)
        if params.p_learn_slip is None:
            return SLIP_WEIGHT
        return max(0.0, params.p_learn_slip / params.p_learn - 1)

    def guess(self, item, skill: str) -> float:
        """G of an answer to `item` as evidence about `skill`."""
        if item.guess is None:  # typed: the skill's own G
            return self.of(skill).p_guess
        return self.guesses.get(item.key, item.guess)

    @property
    def stamp(self) -> tuple:
        """Changes whenever the parameters do (a refit), so state built with old ones is rebuilt."""
        return (self.fitted_at, len(self.skills), len(self.guesses))

