"""Constraints between params (a question's `constraints:`): every variant meets them.

Params are drawn independently, so without constraints a variant can be nonsense
(a LoRA run bigger than the full fine-tune it saves memory on). A constraint is
an expression over the params, e.g. `lora < full`, that every variant satisfies:

    draw(question, seed): attempt 0, 1, 2, ... each draws every param afresh
    (engine/quiz/variants.py, seeded by seed/attempt/name); the first attempt that
    satisfies every constraint is the variant. Deterministic per learner; the default
    variant (seed 0) must satisfy them itself (`validate` says so when it does not).

`validate` refuses a constraint that never holds, or holds so rarely (under
`MIN_ACCEPTANCE` of the variants) that drawing would be slow. A question's `checks:`
(expressions that hold on every variant) are in engine/quiz/checks.py.
"""

from __future__ import annotations

from engine.quiz.variants import defaults, draw_values

MIN_ACCEPTANCE = 0.02  # share of variants that must meet the constraints (validate refuses fewer)
MAX_ATTEMPTS = 2000  # draws per variant; at the minimum acceptance all of them miss with p = 0.98**2000 < 1e-17


def satisfied(question, values: dict) -> bool:
    """True when every constraint holds for these values (a constraint that fails to evaluate does not)."""
    return not unmet(question, values)


def unmet(question, values: dict) -> list[str]:
    """The constraints these values break (or that cannot be evaluated)."""
    from engine.sandbox import SnippetError, evaluate

    broken = []
    for constraint in question.constraints:
        try:
            if not evaluate(constraint, dict(values)):
                broken.append(constraint)
        except SnippetError:
            broken.append(constraint)
    return broken


def draw(question, seed: int) -> dict[str, int | float]:
    """The param values of variant `seed`: the defaults for 0, else the first draw meeting the constraints."""
    if seed == 0 or not question.params:
        return defaults(question.params)
    for attempt in range(MAX_ATTEMPTS if question.constraints else 1):
        values = draw_values(question.params, seed, attempt)
        if satisfied(question, values):
            return values
    return defaults(question.params)  # validation keeps this rare (MIN_ACCEPTANCE) and the defaults valid
