"""worked questions: the learner's lines marked one by one (engine/quiz/types/worked.py reads them).

A line is `name = expression [= value ...]` or `expression = value [= ...]`, e.g.

    lora_model_size = 1000 + 10 = 1010
    int(1010 * 0.25) = int(252.5) = 252

Marking one line:
1. Arithmetic: every `=` in the line must hold (evaluated by the safe evaluator; a decimal
   typed with fewer places, `= 13.04`, may round the value; units are converted:
   engine/quiz/types/worked_units.py).
2. Quantities: each number typed in its working must come from the question, an earlier
   line or a standard constant (engine/quiz/types/worked_numbers.py).
3. Result, against the reference steps evaluated with the learner's own earlier results
   (errors carry forward, as in hand marking: a slip in step 1 costs step 1 only). A line
   named like a reference step is that step; the last line is the final step; another line
   may be the next step, a later one (steps merged), or a part of the next step (finer
   working). A labelled result is converted to its step's unit, and a mislabelled one is
   wrong. A wrong result is matched against the mistake transformations of that step to say
   what went wrong (engine/quiz/types/worked_mistakes.py, which also names a listed mistake
   behind a wrong result).
4. Rounding carries forward like errors: a line may use an earlier result rounded (6.71 for
   6.714; never a param's value), and its step is then checked with that rounded value. But
   the result must be the key at the question's precision (engine/quiz/precision.py): working
   rounded so far that the result leaves it costs the last line (`rounded_early`).

Score = lines right / (lines marked + reference steps not reached), so it is below 1
whenever the answer is not correct; correct when every line is right, the last one gives
the final step, and its value is the key at the question's precision.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from engine.quiz.keys import Key, close
from engine.quiz.precision import precision_of
from engine.quiz.result import GradeResult, StepMark
from engine.quiz.numbers import shown
from engine.quiz.types.worked_mistakes import line_slip, result_mistake, step_mistake
from engine.quiz.types.worked_numbers import rounded_uses, stray_numbers
from engine.quiz.types.worked_units import UNIT_MISLABELLED, as_main_unit, chain_unit, equal, in_step
from engine.quiz.units import Unit, convert
from engine.quiz.variants import Variant

ROUNDED_EARLY = "rounded_early"  # the id of working rounded so far that the result leaves the precision


@dataclass
class _Mark:
    """What marking one line found."""

    ok: bool
    feedback: str
    value: float | None  # the line's result, as the learner wrote it last (in `unit`)
    unit: Unit | None = None
    exact: float | None = None  # its unrounded value (the first part, in `exact_unit`), when the last part rounds it
    exact_unit: Unit | None = None
    mistake_id: str | None = None
    rounded: bool = False  # matched only with the learner's rounded earlier results, or written rounded
    placed: float | None = None  # the result in its reference step's unit, once placed


def grade_worked(question, variant: Variant, key: Key, lines: list) -> GradeResult:
    values = dict(variant.values)
    names = dict(values)  # what the learner's expressions may use: params + their own results
    ref_names = dict(values)  # what the reference steps see: params + the learner's matched results
    results: list[float] = []
    graded = [line for line in lines if not _restates(line, values)]
    if not graded:
        return GradeResult(score=0, correct=False, feedback="No working yet: the lines only restate the question's values.",
                           answer_key=key.shown)
    steps = question.steps
    facts = [_fact(line) for line in graded]
    last_step = max((i for i, fact in enumerate(facts) if not fact), default=len(graded) - 1)
    marks, mark, pointer = [], None, 0  # pointer: the next reference step to match
    named_units: dict = {}  # the unit each of the learner's names was written in
    for index, line in enumerate(graded):
        if facts[index]:  # "1 GB = 10^9 bytes": no step; marked only when it is false
            fact = _check_line(question, line, names, results)
            if not fact.ok:
                marks.append(StepMark(step=index + 1, line=line.text, correct=False, feedback=fact.feedback,
                                      mistake_id=fact.mistake_id))
            continue
        last = index == last_step
        mark, moved, carried = _mark_line(question, line, names, results, ref_names, pointer, last)
        in_main = as_main_unit(question, names, named_units)
        if not mark.ok and in_main != names:  # `base + adapters` where base is in GB and adapters in B
            second = _mark_line(question, line, in_main, results, ref_names, pointer, last)
            mark, moved, carried = second if second[0].ok else (mark, moved, carried)
        pointer, ref_names = moved, carried
        marks.append(StepMark(step=index + 1, line=line.text, correct=mark.ok, feedback=mark.feedback,
                              mistake_id=mark.mistake_id))
        if mark.value is not None:
            results.append(mark.value)
            if line.name:
                names[line.name], named_units[line.name] = mark.value, mark.unit
    if mark is None:  # only facts
        return GradeResult(score=0, correct=False, feedback="No working yet: the lines only state conversions.",
                           steps=marks, answer_key=key.shown)
    return _result(question, key, marks, mark, pointer)


def _mark_line(question, line, names: dict, results: list, ref_names: dict, pointer: int, last: bool):
    """(the line's mark, the new pointer, the reference's names after it): marking never changes its inputs."""
    ref_names, steps = dict(ref_names), question.steps
    mark = _check_line(question, line, names, results)
    if mark.ok:
        alt = rounded_uses(line, ref_names, question.params)
        exact, exact_unit = mark.exact, mark.exact_unit
        pointer, mark = _place(question, mark, pointer, ref_names, alt, last=last, name=line.name)
        mark.exact, mark.exact_unit = exact, exact_unit
    elif mark.value is not None and pointer < len(steps):
        mark.placed = in_step(question, pointer, mark.value, mark.unit)[0][0]
        _carry(steps[pointer], mark.placed, steps[:pointer], ref_names)  # the slip carries forward
        pointer += 1
    return mark, pointer, ref_names


def _result(question, key: Key, marks: list[StepMark], last: _Mark, pointer: int) -> GradeResult:
    precision = precision_of(question)
    reached = pointer >= len(question.steps)
    final = last.placed if last.placed is not None else last.value
    on_key = final is not None and precision.allows(final, key.value)
    # the last line rounds its own working further than the precision asked (= 0.4 for 0.3906 at 2 decimals)
    too_coarse = (last.exact is not None and last.unit == last.exact_unit and marks[-1].correct
                  and not precision.allows(last.value, last.exact))
    if (all(m.correct for m in marks) and reached and not on_key and final is not None) or too_coarse:
        marks[-1] = marks[-1].model_copy(update={"correct": False, "mistake_id": ROUNDED_EARLY, "feedback": (
            f"it gives {shown(final)}, but the answer is {key.shown} ({precision.describe()}): rounding early moved "
            "the result. Keep more decimals until the last step.")})
    right = sum(m.correct for m in marks)
    correct = right == len(marks) and reached and on_key
    first_wrong = next((m for m in marks if not m.correct), None)
    mistake_id = first_wrong.mistake_id if first_wrong else None
    if correct:
        feedback = f"Correct: every step checks out, and the result is {key.shown}."
    elif first_wrong:
        feedback = f"Step {first_wrong.step} (`{first_wrong.line}`) is wrong: {first_wrong.feedback}"
    else:
        feedback = f"Your steps are right, but they stop before the answer: the question asks for {_ask(question)}."
    named = None if correct else result_mistake(question, key, final)
    if named and named[1] != mistake_id:  # the listed mistake behind the result, when the step did not name it
        feedback, mistake_id = f"{feedback} {named[0]}", named[1]
    missing = len(question.steps) - min(pointer, len(question.steps))  # reference steps no line got to
    score = 1.0 if correct else round(right / (len(marks) + missing), 4)
    mistakes = [mistake_id] if mistake_id else []
    mistakes += [m.mistake_id for m in marks if m.mistake_id and m.mistake_id not in mistakes]
    return GradeResult(score=score, correct=correct, feedback=feedback, steps=marks, mistakes=mistakes,
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


def _fact(line) -> bool:
    """A line of standard constants only, such as `1 GB = 10^9 bytes` or `8 bits = 1 byte`: a fact, not a step."""
    from engine.sandbox import SnippetError, names_used

    try:
        if line.name or any(names_used(part) for part in line.parts):
            return False
    except SnippetError:
        return False
    return all(stray_numbers(_NO_SOURCES, part, {}, []) is None for part in line.parts)


class _NoSources:  # a question with no constants and no steps: stray_numbers then allows only standard constants
    constants: tuple = ()
    steps: tuple = ()


_NO_SOURCES = _NoSources()


def _restates(line, values: dict) -> bool:
    """`model_size = 1000`: copying a given value is not a step."""
    return line.name in values and len(line.parts) == 1 and line.parts[0] == str(values[line.name])


def _check_line(question, line, names: dict, results: list) -> _Mark:
    """Arithmetic and quantities of one line, and its value."""
    from engine.sandbox import SnippetError, evaluate

    try:
        got = [evaluate(part, dict(names)) for part in line.parts]
    except SnippetError as exc:
        return _Mark(False, f"it cannot be worked out ({exc}).", None)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in got):
        return _Mark(False, "each side must be a number.", None)
    units = line.units or (None,) * len(got)
    written = line.written or line.parts
    for j in range(len(got) - 1):
        if not equal(question, got[j], units[j], got[j + 1], units[j + 1], line.parts[j + 1]):
            slip, slip_id = line_slip(question, line.parts[j], got[j + 1], names)
            value = shown(got[j]) if units[j] == units[j + 1] or None in (units[j], units[j + 1]) else (
                f"{shown(convert(got[j], units[j], units[j + 1]))} {units[j + 1].name}")
            return _Mark(False, f"`{written[j]}` is {value}, not {written[j + 1][:40]}.{slip}", got[-1],
                         units[-1], mistake_id=slip_id)
    stray = stray_numbers(question, line.parts[0], names, results)
    if stray is not None:
        given = ", ".join(f"{n} = {v}" for n, v in names.items() if n in question.params)
        return _Mark(False, f"it uses {shown(stray)}, which is not one of the question's quantities ({given}), "
                            "an earlier result or a standard constant.", got[-1], units[-1])
    exact = got[0] if len(got) > 1 else None
    return _Mark(True, "", got[-1], units[-1], exact=exact, exact_unit=chain_unit(units, got, line.parts))


def _matches(question, k: int, mark: _Mark, expected: float):
    """(the written value in step k's unit, as written?, why mislabelled or None) when the line gives `expected`.

    The unrounded first part may match where the written result rounds it; the written value,
    read the same way, is what carries forward.
    """
    written = in_step(question, k, mark.value, mark.unit)
    for number, unit, as_written in ((mark.value, mark.unit, True), (mark.exact, mark.exact_unit, False)):
        for index, (value, mislabel) in enumerate(in_step(question, k, number, unit)):
            if value is not None and close(value, expected, question):
                return written[min(index, len(written) - 1)][0], as_written, mislabel
    return None


def _place(question, mark: _Mark, pointer: int, ref_names: dict, alt: dict, *, last: bool,
           name: str | None) -> tuple[int, _Mark]:
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
            _carry(steps[k], value, steps[:k], ref_names)
            if mislabel:
                return k + 1, _Mark(False, mislabel, mark.value, mark.unit, mistake_id=UNIT_MISLABELLED, placed=value)
            note = "right (with your rounded earlier result)." if rounded else "right."
            return k + 1, _Mark(True, note, mark.value, mark.unit, rounded=rounded or not as_written, placed=value)
    value = in_step(question, min(pointer, len(steps) - 1), mark.value, mark.unit)[0][0]
    if not last and not named and pointer < len(steps):
        env = dict(ref_names)
        _fill_skipped(steps[:pointer], env)
        if any(close(value, part, question) for part in _parts(steps[pointer].expr, env)):
            return pointer, _Mark(True, "right (part of the next step).", mark.value, mark.unit)
    k = len(steps) - 1 if last else min(pointer, len(steps) - 1)
    value = in_step(question, k, mark.value, mark.unit)[0][0]
    env = dict(ref_names)
    _fill_skipped(steps[:k], env)
    expected = _value(steps[k].expr, env)
    _carry(steps[k], value, steps[:k], ref_names)
    if expected is None:
        return k + 1, _Mark(False, "the expected step cannot be evaluated with your earlier results.", mark.value,
                            mark.unit, placed=value)
    feedback, mistake_id = step_mistake(question, steps[k], value, expected, env)
    return k + 1, _Mark(False, feedback, mark.value, mark.unit, mistake_id=mistake_id, placed=value)


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
