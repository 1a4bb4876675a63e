"""Constraints between params, and checks on every variant (a question's `constraints:` and `checks:`).

Params are drawn independently, so without constraints a variant can be nonsense
(a LoRA run bigger than the full fine-tune it saves memory on). A constraint is
an expression over the params, e.g. `lora < full`, that every variant satisfies:

    draw(question, seed): attempt 0, 1, 2, ... each draws every param afresh
    (engine/quiz/variants.py, seeded by seed/attempt/name); the first attempt that
    satisfies every constraint is the variant. Deterministic per learner; the default
    variant (seed 0) must satisfy them itself (`validate` says so when it does not).

`validate` refuses a constraint that never holds, or holds so rarely (under
`MIN_ACCEPTANCE` of the variants) that drawing would be slow.

A check is an expression that holds on every variant, over the params, `answer`
(the key's value) and the names the snippet or the reference steps define, e.g.
`0 < answer < 100`. `validate` evaluates it on every variant; the learner sees it,
filled in, as the solution's quick check (`check_lines`).
"""

from __future__ import annotations

from engine.quiz.variants import defaults, draw_values, render

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


# ---------------------------------------------------------------- checks

def check_env(question, key) -> dict:
    """What a check may read: the params, the snippet's or steps' names, and `answer` (the type says)."""
    from engine.quiz.types import type_of

    return type_of(question).env(question, key)


def failed_checks(question, key) -> list[str]:
    """The checks that do not hold for this variant, each with why."""
    from engine.sandbox import SnippetError, evaluate

    env = check_env(question, key)
    failed = []
    for check in question.checks:
        try:
            if not evaluate(check.expr, dict(env)):
                failed.append(f"check `{check.expr}` does not hold")
        except SnippetError as exc:
            failed.append(f"check `{check.expr}` cannot be evaluated: {exc}")
    return failed


def check_lines(question, variant, key) -> list[str]:
    """The checks as the learner reads them: the author's text, or the expression with the values filled in."""
    env = check_env(question, key)
    lines = []
    for check in question.checks:
        if check.text:
            lines.append(render(check.text, env))
        else:
            lines.append(f"`{check.expr}`: {_filled(check.expr, env)}")
    return lines


def _filled(expression: str, env: dict) -> str:
    """`0 < answer < 100` -> `0 < 70.8 < 100`: each name replaced by its value (floats to 6 digits)."""
    import ast

    class Fill(ast.NodeTransformer):
        def visit_Name(self, node):
            value = env.get(node.id)
            if isinstance(value, float):
                value = float(f"{value:.6g}")
            return ast.Constant(value) if isinstance(value, (int, float, str)) else node

    return ast.unparse(Fill().visit(ast.parse(expression, mode="eval")))
