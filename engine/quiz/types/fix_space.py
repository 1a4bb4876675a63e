"""Is a fixed expression equivalent to the reference over the question's own variants? Part of
engine/quiz/types/fix_expression.py (read it first).

The variant space is every combination of the params' values that meets the question's
constraints: all of them when there are at most ENUMERATED, else SAMPLED seeded draws
(engine/quiz/variant_checks.py `variant_values`, as validate uses). A variant the
constraints exclude is never used, so `abs(full_gb - lora_gb)` is as good as
`full_gb - lora_gb` where `lora_gb < full_gb` always holds.

Deciding `equivalent(expression, question)`:
1. screen: the first SCREEN points of the space (the defaults first); a difference there is
   a counterexample at once;
2. proof, for a space of more than PROVE_ABOVE variants: when both expressions are arithmetic
   (+ - * / **, abs, numbers and names), SymPy (imported on first use) decides whether their
   difference cancels to zero, which holds for every variant where both are defined;
3. else every point of the space: equal on each (1e-9 relative, so float noise is no
   difference; the same error on both sides is agreement).
Values are cached per expression on the question, so a second learner's same answer is a lookup.
"""

from __future__ import annotations

import ast
import functools
import math

from engine.quiz.matching import isclose
from engine.quiz.snippets import snippet_bindings
from engine.quiz.variants import render_snippet, symbolic_snippet

ENUMERATED = 50_000  # variants enumerated in full (a fix is evaluated on each: ~3 µs a point)
SAMPLED = 5_000  # seeded draws for a larger space
SCREEN = 64  # points tried first, for a fast counterexample
PROVE_ABOVE = 2_000  # a smaller space is evaluated whole (a few ms); a larger one is first tried with SymPy
_FAILED = "error"  # an evaluation that raised: (_FAILED, the exception's name)
_CACHED_EXPRESSIONS = 256


def space(question, first: int | None = None) -> list[dict]:
    """Bindings (params + the snippet's names before the buggy line) of every variant meeting the
    constraints, or of the `first` of them: built as far as asked, once, so a screen costs a screen."""
    cache = question._cache.get("fix-space")
    if cache is None:
        cache = question._cache["fix-space"] = {"points": [], "rest": _variants(question)}
    points, rest = cache["points"], cache["rest"]
    while rest is not None and (first is None or len(points) < first):
        values = next(rest, None)
        if values is None:
            cache["rest"] = rest = None
        else:
            points.append(bindings_of(question, values))
    return points if first is None else points[:first]


def _variants(question):
    """The values of each variant meeting the constraints, once each, the defaults first."""
    from engine.quiz.constraints import unmet
    from engine.quiz.variants import variant_values

    values, _ = variant_values(question, limit=ENUMERATED, sample=SAMPLED)
    seen = set()
    for v in values:
        signature = tuple(v.items())
        if signature not in seen and not unmet(question, v):
            seen.add(signature)
            yield v


def values_on(question, expression: str, points: list[dict], *, first: int | None = None) -> list:
    """The expression's value on the first `first` points (all: None); cached per expression."""
    cache = question._cache.setdefault("fix-values", {})
    known = cache.get(expression, [])
    want = len(points) if first is None else min(first, len(points))
    if len(known) < want:
        known = known + evaluate_on(expression, points[len(known):want])
        if len(cache) >= _CACHED_EXPRESSIONS:
            cache.clear()
        cache[expression] = known
    return known[:want]


def first_difference(question, expression: str, other: str) -> dict | None:
    """The first variant (bindings) where the two expressions differ, or None when they are equivalent (cached)."""
    verdicts = question._cache.setdefault("fix-verdicts", {})
    if (expression, other) not in verdicts:
        if len(verdicts) >= _CACHED_EXPRESSIONS:
            verdicts.clear()
        verdicts[(expression, other)] = _first_difference(question, expression, other)
    return verdicts[(expression, other)]


def _first_difference(question, expression: str, other: str) -> dict | None:
    if _same_tree(expression, other):
        return None
    for first in (SCREEN, None):
        points = space(question, first)
        mine, theirs = values_on(question, expression, points, first=first), values_on(question, other, points, first=first)
        for point, a, b in zip(points, mine, theirs):
            if not same_value(a, b):
                return point
        if first is None or (_candidates(question) > PROVE_ABOVE and symbolically_equal(question, expression, other)):
            return None
    return None


def _candidates(question) -> int:
    """How many variants the space is drawn from (before the constraints): the grid's size, or SAMPLED."""
    from engine.quiz.variants import param_values

    size = math.prod(len(param_values(p)) for p in question.params.values())
    return size if size <= ENUMERATED else SAMPLED


def _same_tree(first: str, second: str) -> bool:
    """The same expression, spacing and redundant parentheses aside."""
    try:
        return ast.dump(ast.parse(first, mode="eval")) == ast.dump(ast.parse(second, mode="eval"))
    except SyntaxError:
        return False


def equivalent(first: str, second: str, question) -> bool:
    return first_difference(question, first, second) is None


def same_value(a, b) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return a == b
    if not (isinstance(a, (int, float)) and isinstance(b, (int, float))) or isinstance(a, bool) or isinstance(b, bool):
        return a == b
    return isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def agrees_on_screen(question, expression: str, other: str) -> bool:
    """Equal on the screen points: how a wrong fix is matched with a listed mistake (a diagnosis, not a score)."""
    points = space(question, SCREEN)
    pairs = zip(values_on(question, expression, points, first=SCREEN), values_on(question, other, points, first=SCREEN))
    return all(same_value(a, b) for a, b in pairs)


def evaluate_on(expression: str, points: list[dict]) -> list:
    from engine.sandbox import SnippetError, evaluate

    out = []
    for names in points:
        try:
            out.append(evaluate(expression, dict(names)))
        except SnippetError as exc:
            out.append((_FAILED, getattr(exc, "python_error", None) or str(exc).split(":")[0]))
    return out


def bindings_of(question, values: dict) -> dict:
    """One variant's bindings: its params and the snippet's names before the buggy line."""
    binder = question._cache.get("fix-binder")
    if binder is None:
        binder = question._cache["fix-binder"] = _binder(question)
    return binder(values)


def _binder(question):
    """values -> bindings: the snippet's assignments before the buggy line, parsed once (`symbolic_snippet`)."""
    from engine.sandbox import evaluate

    source = symbolic_snippet(question.snippet)
    if source is None:  # a placeholder formats its value: render each variant
        return lambda v: snippet_bindings(render_snippet(question.snippet, v), v, stop_at=question.target)
    steps = []
    for stmt in ast.parse(source).body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if name == question.target:
                break
            if name not in question.params:
                steps.append((name, ast.unparse(stmt.value)))

    def bind(values: dict) -> dict:
        bindings = dict(values)
        for name, expression in steps:
            bindings[name] = evaluate(expression, bindings)
        return bindings

    return bind


# ---------------------------------------------------------------- the symbolic proof (SymPy)

def symbolically_equal(question, first: str, second: str) -> bool:
    """True when SymPy shows first - second cancels to 0 (snippet names inlined); False when it cannot."""
    cache = question._cache.setdefault("fix-symbolic", {})
    key = (first, second)
    if key not in cache:
        names = _inlined_names(question)
        a, b = _sympy(first, names, question.params), _sympy(second, names, question.params)
        cache[key] = a is not None and b is not None and _cancels(a - b)
    return cache[key]


def _cancels(difference) -> bool:
    import sympy

    try:
        return sympy.cancel(sympy.together(difference)) == 0
    except (TypeError, ValueError, ZeroDivisionError, RecursionError):
        return False


def _inlined_names(question) -> dict:
    """name -> its expression over the params, for the snippet's names before the buggy line."""
    cached = question._cache.get("fix-inlined")
    if cached is None:
        from engine.quiz.snippets import Inline

        cached, source = {}, symbolic_snippet(question.snippet)
        for stmt in ast.parse(source).body if source else []:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                if stmt.targets[0].id == question.target:
                    break
                if stmt.targets[0].id not in question.params:
                    cached[stmt.targets[0].id] = Inline(dict(cached)).visit(stmt.value)
        question._cache["fix-inlined"] = cached
    return cached


def _sympy(expression: str, names: dict, params: dict):
    """The expression as a SymPy expression, built node by node (never by sympify); None if not arithmetic."""
    try:
        return _convert(ast.parse(expression, mode="eval").body, names, _symbols(tuple(sorted(
            (n, (p.min if p.choices is None else min(p.choices))) for n, p in params.items()))))
    except (_NotArithmetic, SyntaxError, RecursionError):
        return None


class _NotArithmetic(Exception):
    pass


@functools.lru_cache(maxsize=256)
def _symbols(lowest: tuple) -> dict:
    import sympy

    def assumptions(low) -> dict:
        return {"positive": True} if low > 0 else {"nonnegative": True} if low >= 0 else {}

    return {name: sympy.Symbol(name, real=True, **assumptions(low)) for name, low in lowest}


def _convert(node, names: dict, symbols: dict):
    import sympy

    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return sympy.Integer(node.value) if isinstance(node.value, int) else sympy.Rational(repr(node.value))
    if isinstance(node, ast.Name):
        if node.id in symbols:
            return symbols[node.id]
        if node.id in names:
            return _convert(names[node.id], names, symbols)
        raise _NotArithmetic(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _convert(node.operand, names, symbols)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
        left, right = _convert(node.left, names, symbols), _convert(node.right, names, symbols)
        if isinstance(node.op, ast.Pow) and not (right.is_Integer and abs(int(right)) <= 64):
            raise _NotArithmetic("power")
        return {ast.Add: lambda: left + right, ast.Sub: lambda: left - right, ast.Mult: lambda: left * right,
                ast.Div: lambda: left / right, ast.Pow: lambda: left**right}[type(node.op)]()
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "abs" and len(node.args) == 1 and not node.keywords:
        return sympy.Abs(_convert(node.args[0], names, symbols))
    raise _NotArithmetic(type(node).__name__)
