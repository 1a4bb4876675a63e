"""numeric: a number computed from the params, e.g. a model's memory in GiB, with an optional unit.

The key is the question's `answer` expression evaluated for the variant. A typed number is
compared with it, converted to the question's unit, by the rules of engine/quiz/matching.py;
a wrong number is matched against every listed mistake's value, then the unit slips, to name
what went wrong.
"""

from __future__ import annotations

import re

from engine.quiz.keys import Key, numeric_key
from engine.quiz.matching import Number, agrees, is_right, read_number, unit_slip
from engine.quiz.precision import precision_of, stated_in_prompt, unit_of
from engine.quiz.reader import read_quantity, shown, with_unit
from engine.quiz.result import GradeResult
from engine.quiz.types.base import AnswerInput, QuestionType
from engine.quiz.units import AnswerFormatError, clip
from engine.quiz.variants import render

_NUMBER_WITH_UNIT = re.compile(r"[-+−]?\d[\d,._ ]*(?:[eE][-+]?\d+)?\s*(?:%|[A-Za-z]+(?: params| parameters)?)?")


class Numeric(QuestionType):
    name = "numeric"
    field = "answer"

    def expression(self, question) -> str:
        return question.answer

    def key(self, question, variant) -> Key:
        from engine.sandbox import evaluate

        value = evaluate(question.answer, dict(variant.values))
        shown = with_unit(precision_of(question).written(value), unit_of(question))
        return numeric_key(question, value, question.answer, variant.values, shown=shown)

    def parse(self, question, raw: str, variant, key: Key) -> Number:
        return read_number(raw, unit_of(question))

    def grade(self, question, variant, key: Key, answer: Number) -> GradeResult:
        return grade_number(question, key, answer)

    def names(self, question):
        return [("answer", question.answer, set(question.params))]

    def final_answer_problems(self, question, variant, key: Key):
        return number_answer_problems(question, variant, key)

    def answer_input(self, question, variant) -> AnswerInput:
        return AnswerInput("line", "Your answer", help="A number; a unit is optional (e.g. 14 GB, 13.04 GiB, 65536 params).")


def grade_number(question, key: Key, answer: Number) -> GradeResult:
    """Right, or the listed mistake, or the unit slip that gives the number typed."""
    if is_right(answer, key.value, question):
        return GradeResult(score=1, correct=True, feedback=f"Correct: {key.shown}.", answer_key=key.shown)
    for mistake in question.solution.common_mistakes:
        wrong = key.mistakes.get(mistake.id)
        if wrong is not None and agrees(answer, wrong, question):
            text = render(mistake.text, key.bindings)
            return _wrong(key, f"{answer.typed} is what you get by this common mistake: {text}", mistake.id)
    slip = unit_slip(answer, key.value, question)
    if slip:
        return _wrong(key, slip[1], slip[0])
    return _wrong(key, f"{answer.typed} is not right, and no common mistake gives it; compare your working with the solution.")


def number_answer_problems(question, variant, key: Key):
    """The final answer's number, and the key as the prompt asks for it, must be right (numeric and worked)."""
    asked, precision = unit_of(question), precision_of(question)
    final = render(question.solution.final_answer, variant.values).strip()
    texts = [("the final answer", final)] if re.search(r"\d", final) else []  # no number: prose, not checked
    stated = stated_in_prompt(render(question.prompt, variant.values))
    if stated and precision.source != "prompt":
        texts.append((f"the key {stated.describe()}, as the prompt asks,", with_unit(stated.written(key.value), asked)))
    for what, text in texts:
        try:
            answer = read_number(answer_in(text), asked)
        except AnswerFormatError as exc:
            yield f"{what} '{clip(text)}' cannot be read as an answer ({exc})"
            continue
        if not is_right(answer, key.value, question):
            yield (f"{what} '{clip(text)}' is graded wrong: the key is {shown(key.value)} and the question asks for it "
                   f"{precision.describe()} ({precision.source}); declare the precision the text states, "
                   "e.g. `decimals: 2`")


def answer_in(text: str) -> str:
    """The answer a final-answer text gives: all of it, or its last number with the unit after it."""
    try:
        read_quantity(text)
        return text
    except AnswerFormatError:
        found = _NUMBER_WITH_UNIT.findall(text)
        return found[-1].strip() if found else text


def _wrong(key: Key, feedback: str, mistake_id: str | None = None) -> GradeResult:
    return GradeResult(score=0, correct=False, feedback=feedback, mistake_id=mistake_id, answer_key=key.shown)


TYPE = Numeric()
