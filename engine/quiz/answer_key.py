"""Answer keys computed from the question itself, for one variant.

The key is never typed by the author (issue 3): a numeric question evaluates its
`answer`; a code_output question runs its rendered snippet in the safe evaluator
and takes what it prints; a worked question evaluates its reference steps; a
fix_expression question evaluates its `reference` with the snippet's values.

For arithmetic questions the key is also written as one *answer expression*
over the params (a snippet's assignments are inlined into its last print), so
the mistake transformations of engine/quiz/mistakes.py can rewrite it.

`variant_for(question, seed)` draws the variant (engine/quiz/constraints.py: the
params, meeting the question's constraints; never redrawn because of a mistake)
and caches it with its key on the question (keys never change for a given file,
which the loader reloads when it changes).

A code_output mistake may be a `snippet`: the program as the slip writes it; what it
prints is the mistake's value (text), so loops and ifs can have diagnosed mistakes too.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from engine.quiz.constraints import draw
from engine.quiz.matching import isclose, number_text
from engine.quiz.mistakes import TransformError, mistake_expression
from engine.quiz.variants import Variant, option_order, render_snippet

ERROR = "Error"  # the code_output key when the snippet raises


@dataclass(frozen=True)
class Key:
    """The answer key of one variant."""

    value: int | float | str | None  # the number (or printed text, or ERROR); None for choice
    shown: str  # as a learner would write it
    expression: str | None = None  # answer expression over the params, when there is one
    mistakes: dict[str, float | str] = field(default_factory=dict)  # mistake id -> its wrong value (text: printed)
    bindings: dict[str, int | float] = field(default_factory=dict)  # params + the snippet's intermediate values


def variant_for(question, seed: int) -> tuple[Variant, Key]:
    """The variant for `seed` and its key (cached on the question)."""
    cache = question._cache
    if seed in cache:
        return cache[seed]
    values = draw(question, seed)
    order = ()
    if question.type == "choice":
        order = option_order(len(question.options), [o.pinned for o in question.options], seed, question.shuffle)
    variant = Variant(seed=seed, values=values, order=order)
    result = (variant, compute_key(question, variant))
    if len(cache) > 2048:  # bound memory: one entry per learner variant
        cache.clear()
    cache[seed] = result
    return result


def answer_expression(question) -> str | None:
    """The answer as one expression over the params (cached); None for choice or a complex snippet.

    A code_output snippet's expression is used only when it does not depend on the
    variant: derived from two different renders, the two must be the same text.
    """
    cache = question._cache
    if "expression" not in cache:
        expression = None
        if question.type == "numeric":
            expression = question.answer
        elif question.type == "worked":
            expression = steps_expression(question.steps)
        elif question.type == "fix_expression":
            expression = question.reference
        elif question.type == "code_output":
            from engine.quiz.variants import defaults

            first = defaults(question.params)
            other = {n: (p.max if p.choices is None else p.choices[-1]) for n, p in question.params.items()}
            try:
                a, b = (snippet_expression(render_snippet(question.snippet, v), set(v)) for v in (first, other))
                expression = a if a == b else None
            except SyntaxError:
                expression = None
        cache["expression"] = expression
    return cache["expression"]


def close(a: float, b: float, question) -> bool:
    """Equal within the question's tolerance; exact (up to float noise, 1e-9 relative) by default."""
    rel = getattr(question, "rel_tol", None) or 0.0
    absolute = getattr(question, "abs_tol", None) or 0.0
    return isclose(a, b, rel_tol=max(rel, 1e-9), abs_tol=absolute)


def compute_key(question, variant: Variant) -> Key:
    from engine.sandbox import SnippetError, evaluate, run_snippet

    values = variant.values
    if question.type == "choice":
        letters = [chr(65 + i) for i, authored in enumerate(variant.order or range(len(question.options)))
                   if question.options[authored].correct]
        return Key(value=None, shown=", ".join(letters))
    if question.type == "code_output":
        source = render_snippet(question.snippet, values)
        try:
            printed = run_snippet(source).rstrip("\n")
        except SnippetError as exc:
            if not runtime_error(exc):
                raise
            return Key(value=ERROR, shown=ERROR, mistakes=_snippet_mistakes(question, values))
        expression = answer_expression(question) or snippet_expression(source, set(values))
        key = _numeric_key(question, printed, expression, values, shown=printed)
        return Key(value=key.value, shown=key.shown, expression=key.expression, bindings=key.bindings,
                   mistakes={**key.mistakes, **_snippet_mistakes(question, values)})
    if question.type == "fix_expression":
        bindings = snippet_bindings(render_snippet(question.snippet, values), values, stop_at=question.target)
        value = evaluate(question.reference, bindings)
        return _numeric_key(question, value, question.reference, bindings, shown=question.reference)
    expression = answer_expression(question)
    value = evaluate(expression, dict(values))
    shown = f"{number_text(value)} {question.unit}" if question.unit else number_text(value)
    return _numeric_key(question, value, expression, values, shown=shown)


def printed(source: str) -> str:
    """What a program prints (trailing newline dropped), or ERROR when Python itself would raise."""
    from engine.sandbox import SnippetError, run_snippet

    try:
        return run_snippet(source).rstrip("\n")
    except SnippetError as exc:
        if not runtime_error(exc):
            raise
        return ERROR


def _snippet_mistakes(question, values: dict) -> dict[str, str]:
    """mistake id -> what the mistake's snippet prints, for mistakes given as a modified snippet."""
    from engine.sandbox import SnippetError

    out = {}
    for mistake in question.solution.common_mistakes:
        if mistake.snippet:
            try:
                out[mistake.id] = printed(render_snippet(mistake.snippet, values))
            except SnippetError:
                continue  # validation names the mistake snippet that is refused
    return out


def runtime_error(exc: Exception) -> bool:
    """A SnippetError for an exception Python itself raises (not a refused construct)."""
    name = getattr(exc, "python_error", None)
    return name is not None and name not in ("SyntaxError", "IndentationError")


def _numeric_key(question, value, expression, bindings, *, shown) -> Key:
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
        from engine.quiz.units import parse_number

        return parse_number(str(value))
    except ValueError:
        return None


# ---------------------------------------------------------------- expressions

def steps_expression(steps) -> str:
    """The reference steps inlined into one expression: [a = x + y, int(a * f)] -> int((x + y) * f)."""
    env: dict[str, ast.expr] = {}
    tree = None
    for step in steps:
        tree = _Inline(env).visit(ast.parse(step.expr, mode="eval").body)
        if step.name:
            env[step.name] = tree
    return ast.unparse(tree)


def snippet_expression(source: str, params: set[str]) -> str | None:
    """The last print's argument with earlier assignments inlined (params stay names); None if not simple."""
    env: dict[str, ast.expr] = {}
    printed = None
    for stmt in ast.parse(source).body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if name not in params:
                env[name] = _Inline(env).visit(stmt.value)
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and getattr(stmt.value.func, "id", "") == "print":
            if len(stmt.value.args) == 1 and not stmt.value.keywords:
                printed = _Inline(env).visit(stmt.value.args[0])
        else:
            return None  # loops, ifs, imports: no single expression
    return None if printed is None else ast.unparse(printed)


def snippet_bindings(source: str, values: dict, *, stop_at: str | None = None) -> dict:
    """Params plus the values of the snippet's simple assignments, up to (not including) `stop_at`."""
    from engine.sandbox import evaluate

    bindings = dict(values)
    for stmt in ast.parse(source).body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            continue
        name = stmt.targets[0].id
        if name == stop_at:
            break
        if name not in values:
            bindings[name] = evaluate(ast.unparse(stmt.value), bindings)
    return bindings


class _Inline(ast.NodeTransformer):
    """Replace names assigned earlier by their (already inlined) expressions."""

    def __init__(self, env: dict[str, ast.expr]):
        self.env = env

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.env.get(node.id, node)
