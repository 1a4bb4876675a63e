"""Checks: expressions that hold on every variant (a question's `checks:`), and what the learner reads of them.

A check is over the params, `answer` (the key's value) and the names the snippet or the
reference steps define (the question's type says which: `check_env`), e.g. `0 < answer < 100`.
`validate` evaluates it on every variant (engine/quiz/variant_checks.py); the learner sees it,
filled in, as the solution's quick check (`check_lines`).
"""

from __future__ import annotations

from engine.quiz.variants import render

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
