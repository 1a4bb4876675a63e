"""worked questions: the learner shows the calculation, one step per line; each step is marked.

A line is `name = expression [= value ...]` or `expression = value [= ...]`, e.g.

    lora_model_size = 1000 + 10 = 1010
    int(1010 * 0.25) = int(252.5) = 252

Marking one line:
1. Arithmetic: every `=` in the line must hold (evaluated by the safe
   evaluator; a decimal typed with fewer places, `= 13.04`, may round the value).
2. Quantities: each number typed in its working must be a param's value, an
   earlier result of the learner's, one of the question's `constants`, or a
   universal one (2, 8, 10, 100, 1000, 1024).
3. Result, against the reference steps evaluated with the learner's own earlier
   results (errors carry forward, as in hand marking: a slip in step 1 costs step 1
   only). A line named like a reference step is that step; the last line is the
   final step; another line may be the next step, a later one (steps merged), or a
   part of the next step (finer working). A wrong result is matched against the
   mistake transformations of that step to say what went wrong
   (engine/quiz/types/worked_mistakes.py, which also names a listed mistake behind a wrong result).
4. Rounding carries forward like errors: a line may use an earlier result rounded
   (6.71 for 6.714; never a param's value); its step is then checked against the
   reference evaluated with that rounded value, and a final value reached that way is
   right when it is within ROUNDING_DRIFT (1%) of the key.
Score = steps right / steps marked; correct when every step and the final value are right.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from engine.quiz.keys import Key, close
from engine.quiz.matching import isclose
from engine.quiz.result import GradeResult, StepMark
from engine.quiz.variants import Variant
from engine.quiz.types.worked_mistakes import line_slip, result_mistake, shown, step_mistake
from engine.quiz.types.worked_numbers import rounded_uses, same, stray_numbers

ROUNDING_DRIFT = 0.01  # relative: how far rounded earlier results may move a right final value


@dataclass
class _Mark:
    """What marking one line found."""

    ok: bool
    feedback: str
    value: float | None  # the line's result, as the learner wrote it last
    exact: float | None = None  # its unrounded value (the first part), when the last part rounds it
    mistake_id: str | None = None
    rounded: bool = False  # matched only with the learner's rounded earlier results


def grade_worked(question, variant: Variant, key: Key, lines: list[Line]):
    values = dict(variant.values)
    names = dict(values)  # what the learner's expressions may use: params + their own results
    ref_names = dict(values)  # what the reference steps see: params + the learner's matched results
    results: list[float] = []
    graded = [line for line in lines if not _restates(line, values)]
    if not graded:
        return GradeResult(score=0, correct=False, feedback="No working yet: the lines only restate the question's values.",
                           answer_key=key.shown)
    marks, value, pointer, rounded = [], None, 0, False  # pointer: the next reference step to match
    for index, line in enumerate(graded):
        mark = _check_line(question, line, names, results)
        value = mark.value
        if mark.ok:
            alt = rounded_uses(line, ref_names, question.params)
            pointer, mark = _place(question, mark, pointer, ref_names, alt, last=index == len(graded) - 1, name=line.name)
            rounded = rounded or mark.rounded
        elif value is not None and pointer < len(question.steps):
            _carry(question.steps[pointer], value, question.steps[:pointer], ref_names)  # the slip carries forward
            pointer += 1
        marks.append(StepMark(step=index + 1, line=line.text, correct=mark.ok, feedback=mark.feedback,
                              mistake_id=mark.mistake_id))
        if value is not None:
            results.append(value)
            if line.name:
                names[line.name] = value
    return _result(question, key, marks, value, rounded)


def _result(question, key: Key, marks: list[StepMark], final, rounded: bool) -> GradeResult:
    right = sum(m.correct for m in marks)
    all_right = right == len(marks) and final is not None
    # Rounding carried forward is no error, but it may not drift far: within ROUNDING_DRIFT of the key.
    drifted = rounded and isclose(final, key.value, rel_tol=ROUNDING_DRIFT)
    correct = all_right and (close(final, key.value, question) or drifted)
    first_wrong = next((m for m in marks if not m.correct), None)
    mistake_id = first_wrong.mistake_id if first_wrong else None
    if correct:
        feedback = f"Correct: every step checks out, and the result is {key.shown}."
    elif first_wrong:
        feedback = f"Step {first_wrong.step} (`{first_wrong.line}`) is wrong: {first_wrong.feedback}"
    elif rounded and all_right:
        feedback = (f"Your steps are right, but rounding early moved the result to {shown(final)}; the answer is "
                    f"{key.shown}. Keep more decimals until the last step.")
    else:
        feedback = f"Your steps are right, but they stop before the answer: the question asks for {_ask(question)}."
    named = None if correct else result_mistake(question, key, final)
    if named and named[1] != mistake_id:  # the listed mistake behind the result, when the step did not name it
        feedback, mistake_id = f"{feedback} {named[0]}", named[1]
    score = 1.0 if correct else round(right / max(len(marks), len(question.steps)), 4)
    return GradeResult(score=score, correct=correct, feedback=feedback, steps=marks, mistake_id=mistake_id,
                       answer_key=key.shown)


def _fill_skipped(steps, ref_names: dict) -> None:
    """Reference results the learner skipped (did it in one line) are taken from the reference."""
    from engine.sandbox import SnippetError, evaluate

    for step in steps:
        if step.name and step.name not in ref_names:
            try:
                ref_names[step.name] = evaluate(step.expr, dict(ref_names))
            except SnippetError:
                return


def _ask(question) -> str:
    final = question.steps[-1]
    return f"`{final.name}`" if final.name else "the final value"


def _restates(line: Line, values: dict) -> bool:
    """`model_size = 1000`: copying a given value is not a step."""
    return line.name in values and len(line.parts) == 1 and line.parts[0] == str(values[line.name])


def _check_line(question, line: Line, names: dict, results: list) -> _Mark:
    """Arithmetic and quantities of one line, and its value."""
    from engine.sandbox import SnippetError, evaluate

    try:
        got = [evaluate(part, dict(names)) for part in line.parts]
    except SnippetError as exc:
        return _Mark(False, f"it cannot be worked out ({exc}).", None)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in got):
        return _Mark(False, "each side must be a number.", None)
    for (left, a), (right, b) in zip(zip(line.parts, got), zip(line.parts[1:], got[1:])):
        if not same(a, b, right):
            slip, slip_id = line_slip(question, left, b, names)
            return _Mark(False, f"`{left}` is {shown(a)}, not {right[:40]}.{slip}", got[-1], mistake_id=slip_id)
    stray = stray_numbers(question, line.parts[0], names, results)
    if stray is not None:
        given = ", ".join(f"{n} = {v}" for n, v in names.items() if n in question.params)
        return _Mark(False, f"it uses {shown(stray)}, which is not one of the question's quantities ({given}) "
                            "or an earlier result.", got[-1])
    return _Mark(True, "", got[-1], exact=got[0] if len(got) > 1 else None)


def _place(question, mark: _Mark, pointer: int, ref_names: dict, alt: dict, *, last: bool,
           name: str | None) -> tuple[int, _Mark]:
    """Match a sound line's result with the reference: (new pointer, the line's mark).

    A line named like a reference step (`after = ...`) is that step. Otherwise the
    last line must give the final step, and another line may give the next step, a
    later one (steps done in one go), or a part of the next step (finer working).
    A line that gives none is wrong, and its value carries forward as that step's result.
    `alt` holds earlier results the line used rounded; the step may match with them instead.
    """
    steps, value = question.steps, mark.value
    named = [k for k, step in enumerate(steps) if name and step.name == name]
    if named:
        last, pointer = False, named[0]
    candidates = named or ([len(steps) - 1] if last else range(min(pointer, len(steps) - 1), len(steps)))
    for k in candidates:
        env = dict(ref_names)
        _fill_skipped(steps[:k], env)
        for rounded, scope in ((False, env), (True, {**env, **alt})):
            if rounded and not alt:
                continue
            expected = _value(steps[k].expr, scope)
            if expected is None:
                continue
            as_written = value is not None and close(value, expected, question)
            if as_written or (mark.exact is not None and close(mark.exact, expected, question)):
                _carry(steps[k], value, steps[:k], ref_names)
                note = "right (with your rounded earlier result)." if rounded else "right."
                return k + 1, _Mark(True, note, value, rounded=rounded or not as_written)
    if not last and not named and pointer < len(steps):
        env = dict(ref_names)
        _fill_skipped(steps[:pointer], env)
        if any(close(value, part, question) for part in _parts(steps[pointer].expr, env)):
            return pointer, _Mark(True, "right (part of the next step).", value)
    k = len(steps) - 1 if last else min(pointer, len(steps) - 1)
    env = dict(ref_names)
    _fill_skipped(steps[:k], env)
    expected = _value(steps[k].expr, env)
    _carry(steps[k], value, steps[:k], ref_names)
    if expected is None:
        return k + 1, _Mark(False, "the expected step cannot be evaluated with your earlier results.", value)
    feedback, mistake_id = step_mistake(question, steps[k], value, expected, env)
    return k + 1, _Mark(False, feedback, value, mistake_id=mistake_id)


def _carry(step, value: float, before, ref_names: dict) -> None:
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
