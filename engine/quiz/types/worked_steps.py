"""Which reference step a worked line gives: part of engine/quiz/types/worked_marking.py (read it first).

A line named like a reference step (`after = ...`) is that step. Otherwise the last line must
give the final step, and another line may give the next step, a later one (steps done in one
go), or a part of the next step (finer working). The reference is evaluated with the learner's
own earlier results (errors and rounding carry forward: `carry`). A step before the last is
compared exactly, or as the reference rounded to the decimals typed (0.13 for 0.127); the last
at the question's precision (`agrees`). A line that gives no step is wrong, and the built-in and
listed slips of the step it should have given say why (engine/quiz/types/worked_mistakes.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from engine.quiz.matching import isclose, rounds_to
from engine.quiz.precision import precision_of
from engine.quiz.types.worked_mistakes import step_mistake
from engine.quiz.types.worked_units import UNIT_MISLABELLED, in_step
from engine.quiz.units import Unit


def _fill_skipped(steps, ref_names: dict) -> None:
    """Reference results the learner skipped (did it in one line) are taken from the reference."""
    from engine.sandbox import SnippetError, evaluate

    for step in steps:
        if step.name and step.name not in ref_names:
            try:
                ref_names[step.name] = evaluate(step.expr, dict(ref_names))
            except SnippetError:
                return


@dataclass
class Mark:
    """What marking one line found."""

    ok: bool
    feedback: str
    value: float | None  # the line's result, as the learner wrote it last (in `unit`)
    unit: Unit | None = None
    exact: float | None = None  # its unrounded value (the first part, in `exact_unit`), when the last part rounds it
    exact_unit: Unit | None = None
    mistake_id: str | None = None
    rounded: bool = False  # matched only with the learner's rounded earlier results, or written rounded
    places: int | None = None  # decimals typed in the written result (0.13 -> 2); None when it is computed
    placed: float | None = None  # the result in its reference step's unit, once placed


def _matches(question, k: int, mark: Mark, expected: float):
    """(the written value in step k's unit, as written?, why mislabelled or None) when the line gives `expected`.

    The unrounded first part may match where the written result rounds it; the written value,
    read the same way, is what carries forward.
    """
    written = in_step(question, k, mark.value, mark.unit)
    final = k == len(question.steps) - 1
    for number, unit, as_written in ((mark.value, mark.unit, True), (mark.exact, mark.exact_unit, False)):
        places = mark.places if as_written and unit == mark.unit else None
        for index, (value, mislabel) in enumerate(in_step(question, k, number, unit)):
            if value is not None and agrees(question, value, places, expected, final=final):
                return written[min(index, len(written) - 1)][0], as_written, mislabel
    return None


def agrees(question, value, places: int | None, expected, *, final: bool) -> bool:
    """A step's value against the reference's: the last step at the question's precision; an earlier one
    exactly, as the reference rounded to the decimals typed (0.13 for 0.127), or within a relative precision."""
    precision = precision_of(question)
    if final or precision.rel_tol or precision.sig_figs:
        return precision.allows(value, expected)
    return isclose(value, expected, rel_tol=1e-9, abs_tol=1e-12) or (
        places is not None and rounds_to(expected, value, repr(value), places))


def place(question, mark: Mark, pointer: int, ref_names: dict, alt: dict, *, last: bool,
           name: str | None) -> tuple[int, Mark]:
    """Match a sound line's result with the reference: (new pointer, the line's mark).

    A line named like a reference step (`after = ...`) is that step. Otherwise the
    last line must give the final step, and another line may give the next step, a
    later one (steps done in one go), or a part of the next step (finer working).
    A line that gives none is wrong, and its value carries forward as that step's result.
    `alt` holds earlier results the line used rounded; the step may match with them instead.
    """
    steps = question.steps
    named = [k for k, step in enumerate(steps) if name and step.name == name]
    if named:
        last, pointer = False, named[0]
    candidates = named or ([len(steps) - 1] if last else range(min(pointer, len(steps) - 1), len(steps)))
    for k in candidates:
        env = dict(ref_names)
        _fill_skipped(steps[:k], env)
        for rounded, scope in ((False, env), (True, {**env, **alt})):
            expected = None if rounded and not alt else _value(steps[k].expr, scope)
            found = None if expected is None else _matches(question, k, mark, expected)
            if found is None:
                continue
            value, as_written, mislabel = found
            carry(steps[k], value, steps[:k], ref_names)
            if mislabel:
                return k + 1, Mark(False, mislabel, mark.value, mark.unit, mistake_id=UNIT_MISLABELLED, placed=value)
            note = "right (with your rounded earlier result)." if rounded else "right."
            return k + 1, Mark(True, note, mark.value, mark.unit, rounded=rounded or not as_written, placed=value)
    value = in_step(question, min(pointer, len(steps) - 1), mark.value, mark.unit)[0][0]
    if not last and not named and pointer < len(steps):
        env = dict(ref_names)
        _fill_skipped(steps[:pointer], env)
        if any(agrees(question, value, mark.places, part, final=False) for part in _parts(steps[pointer].expr, env)):
            return pointer, Mark(True, "right (part of the next step).", mark.value, mark.unit)
    k = len(steps) - 1 if last else min(pointer, len(steps) - 1)
    value = in_step(question, k, mark.value, mark.unit)[0][0]
    env = dict(ref_names)
    _fill_skipped(steps[:k], env)
    expected = _value(steps[k].expr, env)
    carry(steps[k], value, steps[:k], ref_names)
    if expected is None:
        return k + 1, Mark(False, "the expected step cannot be evaluated with your earlier results.", mark.value,
                            mark.unit, placed=value)
    final = k == len(steps) - 1
    feedback, mistake_id = step_mistake(question, steps[k], value, expected, env,
                                        lambda a, b: agrees(question, a, mark.places, b, final=final))
    return k + 1, Mark(False, feedback, mark.value, mark.unit, mistake_id=mistake_id, placed=value)


def carry(step, value: float, before, ref_names: dict) -> None:
    """Later reference steps use the learner's own result for `step` (errors carry forward)."""
    _fill_skipped(before, ref_names)
    if step.name:
        ref_names[step.name] = value


def _value(expression: str, env: dict) -> float | None:
    from engine.sandbox import SnippetError, evaluate

    try:
        result = evaluate(expression, dict(env))
    except SnippetError:
        return None
    return result if isinstance(result, (int, float)) and not isinstance(result, bool) else None


def _parts(expression: str, env: dict) -> list[float]:
    """Values of the sub-expressions of a reference step: `(a + b) * c` -> [a + b], for finer working."""
    nodes = [n for n in ast.walk(ast.parse(expression, mode="eval").body) if isinstance(n, (ast.BinOp, ast.Call))]
    values = [_value(ast.unparse(n), env) for n in nodes[1:]]  # nodes[0] is the whole step
    return [v for v in values if v is not None]
