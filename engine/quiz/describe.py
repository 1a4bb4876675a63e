"""Each question type's portable description of one variant (engine/quiz/portable.py).

The engine's own keys, mistakes and tolerance go in: the key of `variant_for`, the values
its mistakes compute, and the range `within_tolerance` accepts (matching.accepted_range).

    choice          -> Choices  (options, per-option feedback, linked mistakes, shuffle/pinned)
    numeric         -> Number   (key and tolerance, unit in the prompt, listed mistakes and unit slips)
    worked          -> Number   (the final result; steps in the solution; step checking stays in the app)
    code_output     -> Text     (what the snippet prints), or Number with `compare: number`
    fix_expression  -> Essay    (the reference as the rubric)
"""

from __future__ import annotations

from engine.quiz.answer_key import ERROR, Key
from engine.quiz.matching import KEY_PRECISION_CAP, accepted_range, slips_for
from engine.quiz.portable import Choices, Essay, Number, Option, Portable, Slip, Text
from engine.quiz.units import unit_named
from engine.quiz.variants import Variant, render, render_snippet

# What the code_output grader takes for "it raises an error" (engine/quiz/output.py), with a full stop too.
_ERROR_WORDS = ("Error", "an error", "it raises an error", "raises an error", "exception")
ERROR_ANSWERS = _ERROR_WORDS + tuple(f"{words}." for words in _ERROR_WORDS)
STEPS_IN_APP = ("In LoRA Lab each line of the working is checked, with errors carried forward; "
                "here only the final result is scored.")


def describe(question, variant: Variant, key: Key) -> Portable:
    """The portable description of `question` for `variant` (its key from `variant_for`)."""
    return _DESCRIBE[question.type](question, variant, key)


def _solution(question, values: dict) -> tuple[str, ...]:
    steps = [render(step, values) for step in question.solution.steps]
    return (*steps, f"**Final answer:** {render(question.solution.final_answer, values)}")


def _choice(question, variant: Variant, key: Key) -> Choices:
    values = variant.values
    mistakes = {m.id: render(m.text, values) for m in question.solution.common_mistakes}
    options = tuple(Option(text=render(o.text, values), correct=o.correct, feedback=render(o.feedback, values),
                           pinned=o.pinned, mistake=mistakes.get(o.mistake) if o.mistake else None)
                    for o in question.options)
    return Choices(prompt=render(question.prompt, values), solution=_solution(question, values), options=options,
                   multiple=question.multiple, shuffle=question.shuffle)


def _number_slips(question, key: Key) -> tuple[Slip, ...]:
    """Listed mistakes with a number, then the unit slips the engine names (bits for bytes, GB for GiB)."""
    found = [(m.id, render(m.text, key.bindings), key.mistakes.get(m.id)) for m in question.solution.common_mistakes]
    if question.unit and unit_named(question.unit).dimension == "bytes":
        found += [(slip, text, key.value * factor) for slip, factor, text in slips_for(unit_named(question.unit))]
    slips = []
    for slip_id, text, value in found:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = accepted_range(value, question)
            # A slip is a diagnosis, never a score: a learner types it rounded, so take 3 significant digits too.
            spread = abs(value) * KEY_PRECISION_CAP
            slips.append(Slip(id=slip_id, text=text, answer=value, low=min(low, value - spread),
                              high=max(high, value + spread)))
    return tuple(slips)


def _number(question, variant: Variant, key: Key, **extra) -> Number:
    low, high = accepted_range(key.value, question)
    return Number(prompt=render(question.prompt, variant.values), solution=_solution(question, variant.values),
                  key=key.value, low=low, high=high, unit=question.unit, slips=_number_slips(question, key), **extra)


def _numeric(question, variant: Variant, key: Key) -> Number:
    return _number(question, variant, key)


def _worked(question, variant: Variant, key: Key) -> Number:
    code = render_snippet(question.snippet, variant.values) if question.snippet else None
    return _number(question, variant, key, code=code, note=STEPS_IN_APP)


def _code_output(question, variant: Variant, key: Key) -> Portable:
    code = render_snippet(question.snippet, variant.values)
    solution = _solution(question, variant.values)
    if question.compare == "number" and isinstance(key.value, (int, float)):
        return Number(prompt=render(question.prompt, variant.values), code=code, solution=solution, key=key.value,
                      low=key.value, high=key.value)
    slips = tuple(Slip(id=m.id, text=render(m.text, variant.values), answer=str(key.mistakes[m.id]))
                  for m in question.solution.common_mistakes if m.id in key.mistakes)
    if key.value == ERROR:
        return Text(prompt=render(question.prompt, variant.values), code=code, solution=solution, slips=slips,
                    answers=ERROR_ANSWERS, ignore_case=True)
    return Text(prompt=render(question.prompt, variant.values), code=code, solution=solution, slips=slips,
                answers=(key.shown,), multiline="\n" in key.shown.strip())


def _fix_expression(question, variant: Variant, key: Key) -> Essay:
    rubric = (f"Right: any expression for `{question.target}` equivalent to `{question.reference}` "
              f"(for these values it gives {key.shown if key.value is None else key.value}). "
              "Hard-coded numbers are wrong: the fix must use the snippet's names.")
    return Essay(prompt=render(question.prompt, variant.values), code=render_snippet(question.snippet, variant.values),
                 solution=_solution(question, variant.values), rubric=rubric,
                 reason="QTI cannot score whether two expressions are equivalent; LoRA Lab checks it by sampling")


_DESCRIBE = {"choice": _choice, "numeric": _numeric, "worked": _worked, "code_output": _code_output,
             "fix_expression": _fix_expression}
