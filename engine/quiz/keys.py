"""The answer key of one variant (`Key`), and how a number's key and its mistakes' values are built.

The key is never typed by the author (issue 3): each question type computes it from the
question itself (engine/quiz/types/). For arithmetic questions the key is also written as
one *answer expression* over the params, so the mistake transformations of
engine/quiz/mistakes.py can rewrite it; `numeric_key` evaluates every mistake's
expression beside the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.quiz.mistakes import TransformError, mistake_expression
from engine.quiz.precision import precision_of


@dataclass(frozen=True)
class Key:
    """The answer key of one variant."""

    value: int | float | str | None  # the number (or printed text, or ERROR); None for choice
    shown: str  # as a learner would write it
    expression: str | None = None  # answer expression over the params, when there is one
    mistakes: dict[str, float | str] = field(default_factory=dict)  # mistake id -> its wrong value (text: printed)
    bindings: dict[str, int | float] = field(default_factory=dict)  # params + the snippet's intermediate values


def close(a: float, b: float, question) -> bool:
    """Equal at the question's precision (engine/quiz/precision.py); exact, up to float noise, by default."""
    return precision_of(question).allows(a, b)


def numeric_key(question, value, expression, bindings, *, shown) -> Key:
    """The key `value` with every common mistake's value (its formula, or its transform of `expression`)."""
    from engine.sandbox import SnippetError, evaluate

    mistakes = {}
    for mistake in question.solution.common_mistakes:
        try:
            wrong_expression = mistake_expression(expression, mistake) if expression else mistake.formula
            if wrong_expression is not None:
                mistakes[mistake.id] = evaluate(wrong_expression, dict(bindings))
        except (SnippetError, TransformError, SyntaxError):
            continue  # validation names the mistake that cannot be computed
    number = _as_number(value)
    return Key(value=value if number is None else number, shown=shown, expression=expression,
               mistakes={k: v for k, v in mistakes.items() if isinstance(v, (int, float, str)) and not isinstance(v, bool)},
               bindings=dict(bindings))


def _as_number(value) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        from engine.quiz.numbers import parse_number

        return parse_number(str(value))
    except ValueError:
        return None
