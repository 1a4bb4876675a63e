"""Which numbers a worked answer may use, and rounding: part of engine/quiz/types/worked_marking.py (read it first).

A number typed in a line must come from somewhere: a param, an earlier result of the
learner's, one of the question's `constants`, a number of the reference steps, or a
universal one (UNIVERSAL). A decimal typed with fewer places may round its source
(`6.71` for 6.714), in an `=` (`47 / 7 = 6.71`) and in the working; an earlier result
used rounded is carried forward like an error would be (`rounded_uses`).
"""

from __future__ import annotations

import re

from engine.quiz.matching import isclose

# Numbers any working may use: squares, bits per byte, percent, decimal and binary unit steps.
UNIVERSAL = (2, 8, 10, 100, 1000, 1024)


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
    return bool(match) and isclose(round(a, len(match.group(1))), b, rel_tol=1e-12)


def stray_numbers(question, working: str, names: dict, results: list) -> float | None:
    """The first number typed in the working that comes from nowhere, or None."""
    from engine.sandbox import literals_used

    sources = [v for v in names.values() if isinstance(v, (int, float))] + results + list(question.constants)
    sources += list(UNIVERSAL)
    for step in question.steps:
        sources += [v for v in literals_used(step.expr) if isinstance(v, (int, float))]
    for literal in literals_used(working):
        if isinstance(literal, bool) or not isinstance(literal, (int, float)):
            continue
        if not any(isclose(literal, s, rel_tol=1e-9) or rounded(literal, s) for s in sources):
            return literal
    return None


def rounded(literal: float, source: float) -> bool:
    text = repr(literal)
    places = len(text.split(".")[1]) if "." in text else 0
    return places > 0 and round(source, places) == literal
