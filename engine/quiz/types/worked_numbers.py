"""Which numbers a worked answer may use, and rounding: part of engine/quiz/types/worked_marking.py.

A number typed in a line must come from somewhere:
- a param, an earlier result of the learner's, one of the question's `constants`, or a number
  of the reference steps, possibly rounded (`6.71` for 6.714) or written in another scale
  (`7e9` for 7 billion, `14e6` for 14 million: the quantity times a power of 10);
- mental arithmetic on two of the question's quantities or earlier results (`8192` for
  d_in + d_out, `0.373` for before - after);
- a standard constant: a power of 10 (`10^9`, `1e9`, `1000`), a power of 1024 (`1024`,
  `2^30` = 1,073,741,824), 2, 8 bits to a byte and 100 for a percent; the exponent of such a
  power (the 9 of `10^9`); the digits of `round(x, 2)`.

A decimal typed with fewer places may round its source, in an `=` (`47 / 7 = 6.71`) and in the
working, but a rounding keeps at least one significant digit (0.04 is not 0.0); an earlier
result used rounded is carried forward like an error would be (`rounded_uses`).
"""

from __future__ import annotations

import ast
import functools
import itertools
import math
import re

from engine.quiz.matching import isclose

UNIVERSAL = (2, 8, 100)  # halves and squares, bits per byte, percent (powers of 10 and 1024: standard_constant)
_POWER_BASES = (2, 10, 1024)


def _power_of_ten(ratio: float, lowest: int, highest: int) -> int | None:
    """k when ratio is 10**k (lowest <= k <= highest), else None."""
    try:
        k = round(math.log10(ratio))
    except (ValueError, OverflowError):
        return None
    return k if lowest <= k <= highest and isclose(ratio, 10.0**k, rel_tol=1e-9) else None


@functools.lru_cache(maxsize=4096)
def standard_constant(value) -> bool:
    """A power of 10 or of 1024, or one of UNIVERSAL."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return False
    return value in UNIVERSAL or _power_of_ten(value, -12, 18) is not None or any(value == 1024**k for k in range(1, 6))


def rounded_uses(line, ref_names: dict, params) -> dict:
    """Earlier results the line's working uses rounded: {name: the rounded number typed} (6.71 for 6.714).

    The params are given exactly, so they are never taken as rounded.
    """
    from engine.sandbox import SnippetError, literals_used

    try:
        literals = [v for v in literals_used(line.parts[0]) if isinstance(v, float)]
    except SnippetError:
        return {}
    alt = {}
    for name, value in ref_names.items():
        if isinstance(value, float) and name not in params:
            for literal in literals:
                if literal != value and rounded(literal, value):
                    alt[name] = literal
    return alt


def same(a: float, b: float, written: str) -> bool:
    """Equal, or `written` is `a` rounded to the decimal places typed (e.g. 13.0385 = 13.04)."""
    if isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
        return True
    match = re.fullmatch(r"\d+\.(\d+)", written.strip())
    return bool(match) and isclose(round(a, len(match.group(1))), b, rel_tol=1e-12) and (b != 0 or a == 0)


def approximately(a: float, b: float, written: str) -> bool:
    """`b` (typed as `written`) is `a` rounded (half up, or to even as Python does) or truncated to its places."""
    match = re.fullmatch(r"-?\d+(?:\.(\d+))?", written.strip())
    if not match:
        return False
    places = len(match.group(1) or "")
    scale = 10**places
    try:
        candidates = (round(a, places), math.floor(a * scale + 0.5) / scale, math.trunc(a * scale) / scale)
    except (OverflowError, ValueError):
        return False
    return any(isclose(c, b, rel_tol=1e-12, abs_tol=1e-12) for c in candidates) and (b != 0 or a == 0)


def stray_numbers(question, working: str, names: dict, results: list) -> float | None:
    """The first number typed in the working that comes from nowhere, or None."""
    from engine.sandbox import literals_used

    sources = [v for v in names.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    sources += results + list(question.constants)
    for step in question.steps:
        sources += [v for v in literals_used(step.expr) if isinstance(v, (int, float))]
    quantities = [v for n, v in names.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
                  and n in question.params] + results
    for literal, free in _literals(working):
        if free or standard_constant(literal):
            continue
        if not any(_from(literal, source) for source in sources) and not _combined(literal, quantities):
            return literal
    return None


def rounded(literal: float, source: float) -> bool:
    """`literal` is `source` rounded to the decimals typed, keeping a significant digit (0.04 is not 0.0)."""
    text = repr(literal)
    places = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return places > 0 and round(source, places) == literal and (literal != 0 or source == 0)


def _combined(literal, quantities: list) -> bool:
    """Mental arithmetic on two of the question's quantities or earlier results: 8192 for d_in + d_out."""
    for a, b in itertools.combinations(quantities, 2):
        try:
            made = (a + b, a - b, b - a, a * b) + ((a / b,) if b else ()) + ((b / a,) if a else ())
        except OverflowError:
            continue
        if any(isclose(literal, m, rel_tol=1e-9) or rounded(literal, m) for m in made):
            return True
    return False


def _from(literal, source) -> bool:
    """The literal is the source, rounded, or written in another scale (7e9 for 7 billion)."""
    if isclose(literal, source, rel_tol=1e-9) or rounded(literal, source):
        return True
    try:
        return bool(source) and literal / source > 0 and _power_of_ten(literal / source, -12, 15) not in (None, 0)
    except (OverflowError, ZeroDivisionError):
        return False


@functools.lru_cache(maxsize=4096)
def _literals(working: str) -> tuple[tuple[int | float, bool], ...]:
    """(value, needs no source) of each number in the working, in order (cached: pure in the text)."""
    tree = ast.parse(working, mode="eval")
    free = _exponents_and_digits(tree)
    return tuple((node.value, id(node) in free) for node in _numbers(tree))


def _numbers(tree: ast.AST) -> list[ast.Constant]:
    found = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, (int, float))
             and not isinstance(n.value, bool)]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def _exponents_and_digits(tree: ast.AST) -> set[int]:
    """ids of literals that need no source: the exponent of a power of 2, 10 or 1024, and round()'s digits."""
    free = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            base = node.left
            if isinstance(base, ast.Constant) and base.value in _POWER_BASES:
                free |= {id(n) for n in ast.walk(node.right) if isinstance(n, ast.Constant)}
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "round" and len(node.args) == 2:
            free |= {id(n) for n in ast.walk(node.args[1]) if isinstance(n, ast.Constant)}
    return free
