"""Grading: parse a learner's raw answer, then grade it against the variant's key.

Two steps, as in PrairieLearn (https://prairielearn.readthedocs.io/en/latest/question/server/):

    parse(question, raw, variant) -> parsed answer    or AnswerFormatError (costs no attempt:
                                                       "twelve", "12 apples", an unknown name)
    grade(question, variant, parsed) -> GradeResult   score 0..1, correct, feedback, mistake_id,
                                                       per-step marks; JSON via .model_dump()

Both ask the question's type (engine/quiz/types/), which holds the rules of its answers.
"""

from __future__ import annotations

from engine.quiz.answer_key import variant_for
from engine.quiz.keys import Key
from engine.quiz.matching import Number
from engine.quiz.result import GradeResult, StepMark
from engine.quiz.types import type_of
from engine.quiz.units import AnswerFormatError
from engine.quiz.variants import Variant

__all__ = ["AnswerFormatError", "GradeResult", "Number", "StepMark", "grade", "grade_answer", "parse"]
MAX_ANSWER_CHARS = 2000


def parse(question, raw: str, variant: Variant | None = None, key: Key | None = None):
    """The learner's answer, read; AnswerFormatError says what cannot be read, what form is expected
    with an example for this question, and costs no attempt."""
    if variant is None or key is None:
        variant, key = variant_for(question, variant.seed if variant else 0)
    kind = type_of(question)
    try:
        if raw is None or not str(raw).strip():
            raise AnswerFormatError("the answer is empty")
        if len(str(raw)) > MAX_ANSWER_CHARS:
            raise AnswerFormatError(f"the answer is {len(str(raw)):,} characters long; the limit is {MAX_ANSWER_CHARS:,}")
        return kind.parse(question, str(raw), variant, key)
    except AnswerFormatError as exc:
        raise AnswerFormatError(f"{str(exc).rstrip('.')}. {kind.expected(question, variant)}") from None


def grade(question, variant: Variant, parsed, key: Key | None = None) -> GradeResult:
    """Score one parsed answer for `variant` (its key from the cache unless given)."""
    if key is None:
        _, key = variant_for(question, variant.seed)
    return type_of(question).grade(question, variant, key, parsed)


def grade_answer(question, raw: str, *, seed: int = 0) -> GradeResult:
    """parse then grade, for the CLI, the benchmark and tests; AnswerFormatError passes through."""
    variant, key = variant_for(question, seed)
    return grade(question, variant, parse(question, raw, variant, key), key)
