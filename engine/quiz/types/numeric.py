"""numeric: a number computed from the params, e.g. a model's memory in GiB, with an optional unit.

The key is the question's `answer` expression evaluated for the variant. A typed number is
compared with it, converted to the question's unit, by the rules of engine/quiz/matching.py;
a wrong number is matched against every listed mistake's value, then the unit slips, to name
what went wrong.
"""

from __future__ import annotations

from engine.quiz.keys import Key, numeric_key
from engine.quiz.matching import Number, agrees, is_right, number_text, read_number, unit_slip
from engine.quiz.result import GradeResult
from engine.quiz.types.base import AnswerInput, QuestionType
from engine.quiz.variants import render


class Numeric(QuestionType):
    name = "numeric"
    field = "answer"

    def expression(self, question) -> str:
        return question.answer

    def key(self, question, variant) -> Key:
        from engine.sandbox import evaluate

        value = evaluate(question.answer, dict(variant.values))
        shown = f"{number_text(value)} {question.unit}" if question.unit else number_text(value)
        return numeric_key(question, value, question.answer, variant.values, shown=shown)

    def parse(self, question, raw: str, variant, key: Key) -> Number:
        return read_number(raw, question.unit)

    def grade(self, question, variant, key: Key, answer: Number) -> GradeResult:
        return grade_number(question, key, answer)

    def names(self, question):
        return [("answer", question.answer, set(question.params))]

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


def _wrong(key: Key, feedback: str, mistake_id: str | None = None) -> GradeResult:
    return GradeResult(score=0, correct=False, feedback=feedback, mistake_id=mistake_id, answer_key=key.shown)


TYPE = Numeric()
