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
   working; engine/quiz/types/worked_steps.py). A labelled result is converted to its step's
   unit, and a mislabelled one is wrong. A wrong result is matched against the mistake transformations of that step to say
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

import re

from engine.quiz.keys import Key
from engine.quiz.precision import precision_of
from engine.quiz.numbers import shown
from engine.quiz.result import GradeResult, StepMark
from engine.quiz.types.worked_mistakes import line_slip, result_mistake
from engine.quiz.types.worked_numbers import rounded_uses, stray_numbers
from engine.quiz.types.worked_steps import Mark, carry, place
from engine.quiz.types.worked_units import as_main_unit, chain_unit, equal, in_step
from engine.quiz.units import convert
from engine.quiz.variants import Variant

ROUNDED_EARLY = "rounded_early"  # the id of working rounded so far that the result leaves the precision


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
        places = mark.places
        pointer, mark = place(question, mark, pointer, ref_names, alt, last=last, name=line.name)
        mark.exact, mark.exact_unit, mark.places = exact, exact_unit, places
    elif mark.value is not None and pointer < len(steps):
        mark.placed = in_step(question, pointer, mark.value, mark.unit)[0][0]
        carry(steps[pointer], mark.placed, steps[:pointer], ref_names)  # the slip carries forward
        pointer += 1
    return mark, pointer, ref_names


def _result(question, key: Key, marks: list[StepMark], last: Mark, pointer: int) -> GradeResult:
    precision = precision_of(question)
    reached = pointer >= len(question.steps)
    final = last.placed if last.placed is not None else last.value
    on_key = final is not None and precision.allows(final, key.value)
    # the last line rounds its own working further than the precision asked (= 0.4 for 0.3906 at 2 decimals)
    too_coarse = (last.exact is not None and last.unit == last.exact_unit and marks[-1].correct and not on_key
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


def _check_line(question, line, names: dict, results: list) -> Mark:
    """Arithmetic and quantities of one line, and its value."""
    from engine.sandbox import SnippetError, evaluate

    try:
        got = [evaluate(part, dict(names)) for part in line.parts]
    except SnippetError as exc:
        return Mark(False, f"it cannot be worked out ({exc}).", None)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in got):
        return Mark(False, "each side must be a number.", None)
    units = line.units or (None,) * len(got)
    written = line.written or line.parts
    for j in range(len(got) - 1):
        about = bool(line.about) and line.about[j]
        if not equal(question, got[j], units[j], got[j + 1], units[j + 1], line.parts[j + 1], about=about):
            slip, slip_id = line_slip(question, line.parts[j], got[j + 1], names)
            value = shown(got[j]) if units[j] == units[j + 1] or None in (units[j], units[j + 1]) else (
                f"{shown(convert(got[j], units[j], units[j + 1]))} {units[j + 1].name}")
            return Mark(False, f"`{written[j]}` is {value}, not {written[j + 1][:40]}.{slip}", got[-1],
                         units[-1], mistake_id=slip_id)
    stray = stray_numbers(question, line.parts[0], names, results)
    if stray is not None:
        given = ", ".join(f"{n} = {v}" for n, v in names.items() if n in question.params)
        return Mark(False, f"it uses {shown(stray)}, which is not one of the question's quantities ({given}), "
                            "an earlier result or a standard constant.", got[-1], units[-1])
    exact = got[0] if len(got) > 1 else None
    typed = re.fullmatch(r"-?\d+(?:\.(\d+))?", line.parts[-1].strip())
    return Mark(True, "", got[-1], units[-1], exact=exact, exact_unit=chain_unit(units, got, line.parts),
                 places=len(typed[1] or "") if typed else None)


