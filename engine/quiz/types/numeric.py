"""numeric: a number computed from the params, e.g. a model's memory in GiB, with an optional unit.

The key is the question's `answer` expression evaluated for the variant. A typed number is
compared with it, converted to the question's unit, by the rules of engine/quiz/matching.py;
a wrong number is matched against every listed mistake's value, then the unit slips, then the
key rounded further than the question asks (1.9 for 1.8626 at two decimals), to name what went
wrong.
"""

from __future__ import annotations

import re

from engine.quiz.keys import Key, numeric_key
from engine.quiz.matching import Number, agrees, is_right, read_number, unit_slip
from engine.quiz.numbers import shown, with_unit
from engine.quiz.precision import example_number, precision_of, rounded_further, stated_in_prompt, unit_of
from engine.quiz.reader import read_quantity
from engine.quiz.result import GradeResult
from engine.quiz.types.base import QuestionType
from engine.quiz.units import AnswerFormatError, clip
from engine.quiz.variants import render

_VALUE = r"([-+−]?\d[\d,._ ]*(?:[eE][-+]?\d+)?\s*(?:%|[A-Za-z]+(?: params| parameters)?)?)"
_AFTER_EQUALS = re.compile(r"=\s*" + _VALUE + r"\s*[.!]?\s*$")
_OPENING = re.compile(r"^\s*" + _VALUE + r"\s*[,;(]")


class Numeric(QuestionType):
    name = "numeric"
    field = "answer"

    def expression(self, question) -> str:
        return question.answer

    def key(self, question, variant) -> Key:
        from engine.sandbox import evaluate

        value = evaluate(question.answer, dict(variant.values))
        written = with_unit(precision_of(question).written(value), unit_of(question))
        return numeric_key(question, value, question.answer, variant.values, shown=written)

    def parse(self, question, raw: str, variant, key: Key) -> Number:
        answer = read_number(raw, unit_of(question))
        grouped = answer.number * 1000 if answer.places == 3 and answer.unit is None else None  # 65.536 for 65536?
        if grouped is not None and not is_right(answer, key.value, question) and is_right(
                Number(grouped, answer.typed, grouped), key.value, question):
            raise AnswerFormatError(f"'{clip(answer.typed)}': a point marks decimals here, so that is {answer.number}; "
                                    f"to group thousands write {int(round(grouped)):,} or {int(round(grouped))}")
        return answer

    def grade(self, question, variant, key: Key, answer: Number) -> GradeResult:
        return grade_number(question, key, answer)

    def names(self, question):
        return [("answer", question.answer, set(question.params))]

    def final_answer_problems(self, question, variant, key: Key):
        return number_answer_problems(question, variant, key)

    def expected(self, question, variant) -> str:
        return expected_number(question, self.key(question, variant).value)


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
    precision, typed_key = precision_of(question), _in_unit_typed(answer, key.value)
    if typed_key is not None and rounded_further(precision, answer.number, answer.places, typed_key):
        return _wrong(key, f"{answer.typed} is rounded further than the question asks: give it {precision.describe()}.")
    return _wrong(key, f"{answer.typed} is not right, and no common mistake gives it; compare your working with the solution.")


def expected_number(question, key) -> str:
    """'Expected: a number in GiB (or another unit of memory), to 2 decimals, e.g. 12.34 GiB.'"""
    asked, precision = unit_of(question), precision_of(question)
    example = with_unit(example_number(precision, key), asked)
    kinds = {"bytes": "memory", "params": "parameter count", "ratio": "share"}
    where = f" in {asked.name} (or another unit of {kinds[asked.dimension]})" if asked and asked.name != "%" else ""
    where = " in percent" if asked and asked.name == "%" else where
    how = "" if precision.exact else f", {precision.describe()}"
    return f"Expected: a number{where}{how}, e.g. {example}; thousands may be grouped (65,536) and maths used (7 * 2^30)."


def number_answer_problems(question, variant, key: Key):
    """The final answer's number, and the key as the prompt asks for it, must be right (numeric and worked)."""
    asked, precision = unit_of(question), precision_of(question)
    final = render(question.solution.final_answer, variant.values).strip()
    texts = [("the final answer", final)] if re.search(r"\d", final) else []  # no number: prose, not checked
    stated = stated_in_prompt(question.prompt)  # in words, never in a placeholder
    if stated and precision.source != "prompt":
        texts.append((f"the key {stated.describe()}, as the prompt asks,", with_unit(stated.written(key.value), asked)))
    for what, text in texts:
        text = answer_in(text)
        if text is None:
            continue  # prose or an expression: not an answer to grade
        try:
            answer = read_number(text, asked)
        except AnswerFormatError as exc:
            yield f"{what} '{clip(text)}' cannot be read as an answer ({exc})"
            continue
        if not is_right(answer, key.value, question):
            yield (f"{what} '{clip(text)}' is graded wrong: the key is {shown(key.value)} and the question asks for it "
                   f"{precision.describe()} ({precision.source}); declare the precision the text states, "
                   "e.g. `decimals: 2`")


def answer_in(text: str) -> str | None:
    """The answer a final-answer text states: all of it ('14.22 GB'), the value after its last `=`
    ('14 + 0.224 = 14.22 GB'), or the value it opens with ('14.22 GB, plus activations'); None if none."""
    try:
        read_quantity(text)
        return text
    except AnswerFormatError:
        pass
    found = _AFTER_EQUALS.search(text) or _OPENING.match(text)
    return found[1].strip() if found else None


def _in_unit_typed(answer: Number, key: float) -> float | None:
    """The key in the unit the answer was typed in (the asked one when none was typed)."""
    if answer.unit is None or answer.number == answer.value:
        return key
    try:
        return key * answer.number / answer.value
    except (ZeroDivisionError, TypeError, OverflowError):
        return None


def _wrong(key: Key, feedback: str, mistake_id: str | None = None) -> GradeResult:
    return GradeResult(score=0, correct=False, feedback=feedback, mistake_id=mistake_id, answer_key=key.shown)


TYPE = Numeric()
