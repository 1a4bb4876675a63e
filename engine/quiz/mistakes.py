"""Common mistakes as code: built-in transformations that reproduce a wrong answer.

Each transformation rewrites the question's answer expression (an `ast` tree,
never run by `eval`) the way a learner's slip would, e.g. for
`int((model_size + lora_size) * quantization_factor)`:

    precedence          int(model_size + lora_size * quantization_factor)   # parentheses lost
    wrong_operand       int(model_size * quantization_factor + lora_size)   # factor on one term
    term_left_out       int(model_size * quantization_factor)               # target: lora_size
    int_forgotten       (model_size + lora_size) * quantization_factor      # int() truncates, forgotten
    round_not_truncate  int((model_size + lora_size) * quantization_factor + 0.5)  # rounded half up
    bits_for_bytes      (...) * 8            bytes_for_bits   (...) / 8
    gb_for_gib          (...) * 2**30 / 10**9 (GB value written as GiB)   gib_for_gb  the reverse

A mistake may instead carry an author's `formula`. The value of each mistake is
compared with the learner's; a match names the mistake (issue 3: feedback on a
wrong number is only possible when a mistake reproduces it).
"""

from __future__ import annotations

import ast
import copy
import functools

from engine.quiz.parts import Mistake

_ADD = (ast.Add, ast.Sub)
_MUL = (ast.Mult, ast.Div, ast.FloorDiv, ast.Mod)
_SCALES = {  # value-level slips: the right value times this factor
    "bits_for_bytes": "8",
    "bytes_for_bits": "(1 / 8)",
    "gb_for_gib": "(2**30 / 10**9)",  # GB number written where GiB was asked: 7.4% too big
    "gib_for_gb": "(10**9 / 2**30)",
}


class TransformError(ValueError):
    """The transformation does not apply to this expression (validation reports it)."""


def apply_transform(expression: str, transform: str, target: str | None = None) -> str:
    """The answer expression as the slip `transform` would have written it."""
    rewritten = _rewritten(expression, transform, target)
    if rewritten is None:
        where = f" with target '{target}'" if target else ""
        raise TransformError(f"transform '{transform}'{where} does not change the answer expression `{expression}`")
    return rewritten


@functools.lru_cache(maxsize=4096)  # pure in its strings; a transform that does not apply is cached too (None)
def _rewritten(expression: str, transform: str, target: str | None) -> str | None:
    if transform in _SCALES:
        return f"({expression}) * {_SCALES[transform]}"
    tree = ast.parse(expression, mode="eval")
    if not _REWRITES[transform](tree, target):
        return None
    return ast.unparse(ast.fix_missing_locations(tree))


def mistake_expression(answer_expression: str, mistake: Mistake) -> str | None:
    """The expression giving this mistake's wrong answer, or None for a text-only mistake."""
    if mistake.formula:
        return mistake.formula
    if mistake.transform:
        return apply_transform(answer_expression, mistake.transform, mistake.target)
    return None


# ---------------------------------------------------------------- rewrites, in place

def _first(tree: ast.AST, test) -> ast.AST | None:
    return next((node for node in ast.walk(tree) if test(node)), None)


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, name, new)
                return
            if isinstance(value, list) and any(item is old for item in value):
                value[[i for i, item in enumerate(value) if item is old][0]] = new
                return


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _is_sum(node: ast.AST) -> bool:
    return isinstance(node, ast.BinOp) and isinstance(node.op, _ADD)


def _precedence(tree: ast.AST, target: str | None) -> bool:
    """`(a + b) * c` -> `a + b * c`, and `c * (a + b)` -> `c * a + b`: the parentheses dropped."""
    node = _first(tree, lambda n: isinstance(n, ast.BinOp) and isinstance(n.op, _MUL) and (_is_sum(n.left) or _is_sum(n.right)))
    if node is None:
        return False
    if _is_sum(node.left):  # (a + b) * c  ->  a + (b * c)
        total = node.left
        new = ast.BinOp(total.left, total.op, ast.BinOp(total.right, node.op, node.right))
    else:  # c * (a + b)  ->  (c * a) + b
        total = node.right
        new = ast.BinOp(ast.BinOp(node.left, node.op, total.left), total.op, total.right)
    _replace(tree, node, new)
    return True


def _wrong_operand(tree: ast.AST, target: str | None) -> bool:
    """`(a + b) * c` -> `a * c + b`: the factor applied to one term only (`target`, default the first)."""
    node = _first(tree, lambda n: isinstance(n, ast.BinOp) and isinstance(n.op, _MUL) and _is_sum(n.left))
    if node is None:
        return False
    a, b = node.left.left, node.left.right
    if target and _mentions(b, target) and not _mentions(a, target):
        new = ast.BinOp(a, node.left.op, ast.BinOp(b, node.op, copy.deepcopy(node.right)))
    else:
        new = ast.BinOp(ast.BinOp(a, node.op, copy.deepcopy(node.right)), node.left.op, b)
    _replace(tree, node, new)
    return True


def _term_left_out(tree: ast.AST, target: str | None) -> bool:
    """`a + b` -> `a`: the term `target` (default: the right-hand one) forgotten."""
    def drops(n):
        if not _is_sum(n):
            return False
        return target is None or _mentions(n.left, target) != _mentions(n.right, target)

    candidates = [n for n in ast.walk(tree) if drops(n)]
    if target:  # the innermost sum whose operand is the target itself, if any
        direct = [n for n in candidates if any(isinstance(s, ast.Name) and s.id == target for s in (n.left, n.right))]
        candidates = direct or candidates
    if not candidates:
        return False
    node = candidates[0]
    keep = node.left if target is None or _mentions(node.right, target) else node.right
    _replace(tree, node, keep)
    return True


def _int_calls(tree: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "int" and len(n.args) == 1]


def _int_forgotten(tree: ast.AST, target: str | None) -> bool:
    """`int(x)` -> `x`: forgetting that int() truncates towards zero."""
    calls = _int_calls(tree)
    for call in calls:
        _replace(tree, call, call.args[0])
    return bool(calls)


def _round_not_truncate(tree: ast.AST, target: str | None) -> bool:
    """`int(x)` -> `int(x + 0.5)`: rounding half up (as by hand) where int() truncates."""
    calls = _int_calls(tree)
    for call in calls:
        call.args[0] = ast.BinOp(call.args[0], ast.Add(), ast.Constant(0.5))
    return bool(calls)


_REWRITES = {
    "precedence": _precedence,
    "wrong_operand": _wrong_operand,
    "term_left_out": _term_left_out,
    "int_forgotten": _int_forgotten,
    "round_not_truncate": _round_not_truncate,
}
