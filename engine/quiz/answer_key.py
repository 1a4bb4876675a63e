"""A question's variants and their answer keys: `variant_for(question, seed)`, cached on the question.

`variant_for` draws the variant (engine/quiz/constraints.py: the params, meeting the
question's constraints; never redrawn because of a mistake), asks the question's type for
its option order and its key (engine/quiz/types/), and caches both on the question (keys
never change for a given file, which the loader reloads when it changes).
"""

from __future__ import annotations

from engine.quiz.constraints import draw
from engine.quiz.keys import Key
from engine.quiz.types import type_of
from engine.quiz.variants import Variant, params_vary

__all__ = ["Key", "answer_expression", "compute_key", "has_variants", "solution_values", "variant_for"]


def variant_for(question, seed: int) -> tuple[Variant, Key]:
    """The variant for `seed` and its key (cached on the question)."""
    cache = question._cache
    if seed in cache:
        return cache[seed]
    variant = Variant(seed=seed, values=draw(question, seed), order=type_of(question).order(question, seed))
    result = (variant, compute_key(question, variant))
    if len(cache) > 2048:  # bound memory: one entry per learner variant
        cache.clear()
    cache[seed] = result
    return result


def compute_key(question, variant: Variant) -> Key:
    """The key of `variant`, computed by the question's type (not cached)."""
    return type_of(question).key(question, variant)


def answer_expression(question) -> str | None:
    """The answer as one expression over the params; None for choice or a snippet with loops."""
    return type_of(question).expression(question)


def solution_values(question, variant: Variant) -> dict:
    """What the solution's placeholders may use: the params and `answer` (choice: the letters this variant shows)."""
    kind = type_of(question)
    return {**variant.values, "answer": kind.answer_value(question, variant, compute_key(question, variant)
                                                           if variant.seed < 0 else variant_for(question, variant.seed)[1])}


def has_variants(question) -> bool:
    """True when another round can look different: a param with a range or choices, or shuffled options."""
    return type_of(question).shuffled(question) or params_vary(question)
