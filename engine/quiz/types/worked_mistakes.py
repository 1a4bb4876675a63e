"""What went wrong in a worked answer: slips of one step, and a listed mistake behind the result.

Part of engine/quiz/types/worked_marking.py (read its docstring first). Three diagnoses, each with an id
the class report counts (the result's `mistake_id`, and each step mark's):

1. a wrong `=` in a line: a built-in slip of its left side gives the number written
   (`int(252.5) = 253`: round_not_truncate);
2. a wrong step: a listed transform mistake, or a built-in slip, applied to the
   reference step (with the learner's earlier results) gives the learner's value;
3. a wrong result: the learner's final value is what a listed mistake gives for the
   whole question (its formula, or its transform of the answer expression), even
   when the slip was made in an earlier step (`adapters = 14 * 16` for 14 million
   parameters: the millions-as-billions mistake).
"""

from __future__ import annotations

from engine.quiz.keys import Key, close
from engine.quiz.mistakes import TransformError, apply_transform
from engine.quiz.numbers import shown
from engine.quiz.variants import render

STEP_SLIPS = {  # transformations tried on a wrong step, and what to tell the learner
    "int_forgotten": "int() truncates: int(252.5) is 252, so keep only the whole part.",
    "round_not_truncate": "int() truncates, it does not round: int(252.5) is 252, not 253.",
    "precedence": "* and / are done before + and -: put the sum in parentheses first.",
    "wrong_operand": "the factor applies to the whole sum, not to one term.",
    "term_left_out": "a term of the sum is missing.",
}


def line_slip(question, expression: str, written: float, names: dict) -> tuple[str, str | None]:
    """(' Looks like: <slip>', slip id) when a built-in slip of `expression` gives the number written."""
    from engine.sandbox import SnippetError, evaluate

    for transform, text in STEP_SLIPS.items():
        try:
            wrong = evaluate(apply_transform(expression, transform), dict(names))
        except (TransformError, SnippetError, SyntaxError):
            continue
        if _number(wrong) and close(written, wrong, question):
            return f" Looks like {text}", transform
    return "", None


def step_mistake(question, step, got: float, expected: float, ref_names: dict, agrees=None) -> tuple[str, str | None]:
    """(feedback, mistake id) for a step whose result is `got` where `expected` was due; `agrees(a, b)`
    compares two values of this step (default: at the question's precision)."""
    agrees = agrees or (lambda a, b: close(a, b, question))
    from engine.sandbox import SnippetError, evaluate

    slips = [(m.transform, m.target, m.text, m.id) for m in question.solution.common_mistakes if m.transform]
    slips += [(transform, None, text, transform) for transform, text in STEP_SLIPS.items()]
    for transform, target, text, mistake_id in slips:
        try:
            wrong = evaluate(apply_transform(step.expr, transform, target), dict(ref_names))
        except (TransformError, SnippetError, SyntaxError):
            continue
        if _number(wrong) and agrees(got, wrong) and not agrees(wrong, expected):
            return f"it gives {shown(got)}, but should give {shown(expected)}: {render(text, ref_names)}", mistake_id
    return (f"it gives {shown(got)}, but this step should give {shown(expected)} "
            f"(`{step.expr}` with your earlier results)."), None


def result_mistake(question, key: Key, final) -> tuple[str, str] | None:
    """(feedback, mistake id) when the learner's final value is what a listed mistake gives for the question."""
    if final is None:
        return None
    for mistake in question.solution.common_mistakes:
        wrong = key.mistakes.get(mistake.id)
        if _number(wrong) and close(final, wrong, question) and not close(wrong, key.value, question):
            text = render(mistake.text, key.bindings)
            return f"Your result, {shown(final)}, is what this common mistake gives: {text}", mistake.id
    return None


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
