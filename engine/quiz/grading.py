"""Grading: parse a learner's raw answer, then grade it against the variant's key.

Two steps, as in PrairieLearn (https://prairielearn.readthedocs.io/en/latest/question/server/):

    parse(question, raw, variant) -> parsed answer    or AnswerFormatError (costs no attempt:
                                                       "twelve", "12 apples", an unknown name)
    grade(question, variant, parsed) -> GradeResult   score 0..1, correct, feedback, mistake_id,
                                                       per-step marks; JSON via .model_dump()

Numbers are checked exactly by default (1e-9 relative, for float noise only),
unlike PrairieLearn's 1% default, which would accept 250 and 252.5 for 252; a
wrong number is matched against every listed mistake's value to name the slip.
choice, numeric and code_output are graded here; fix_expression lives in
engine/quiz/equivalence.py and worked in engine/quiz/worked.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.quiz.answer_key import ERROR, Key, close, variant_for
from engine.quiz.result import GradeResult, StepMark
from engine.quiz.units import AnswerFormatError, convert, parse_number, parse_quantity, unit_named
from engine.quiz.variants import Variant, render

__all__ = ["AnswerFormatError", "GradeResult", "StepMark", "grade", "grade_answer", "parse"]


@dataclass(frozen=True)
class Number:
    """A parsed numeric answer, in the question's unit."""

    value: int | float
    typed: str


# Built-in unit slips, checked for byte-sized answers when no listed mistake matches.
UNIT_SLIPS = {
    "bits_for_bytes": (8.0, "You gave the size in bits where bytes were asked: a byte is 8 bits, so divide by 8."),
    "bytes_for_bits": (1 / 8, "You gave the size in bytes where bits were asked: multiply by 8 bits per byte."),
    "gb_for_gib": (2**30 / 10**9, "You divided by 10^9 (GB) where GiB were asked: 1 GiB = 2^30 bytes = 1.074 GB."),
    "gib_for_gb": (10**9 / 2**30, "You divided by 2^30 (GiB) where GB were asked: 1 GB = 10^9 bytes."),
    "mb_for_mib": (2**20 / 10**6, "You divided by 10^6 (MB) where MiB were asked: 1 MiB = 2^20 bytes."),
}


def parse(question, raw: str, variant: Variant | None = None):
    """The learner's answer, read; AnswerFormatError says what cannot be read and costs no attempt."""
    if raw is None or not str(raw).strip():
        raise AnswerFormatError("the answer is empty")
    raw = str(raw)
    if len(raw) > 2000:
        raise AnswerFormatError(f"the answer is {len(raw)} characters long; the limit is 2,000")
    if question.type == "choice":
        return _parse_choice(question, raw)
    if question.type == "numeric":
        return _parse_numeric(question, raw)
    if question.type == "code_output":
        return _parse_output(question, raw, variant)
    if question.type == "fix_expression":
        from engine.quiz.equivalence import parse_fix

        return parse_fix(question, raw, variant or variant_for(question, 0)[0])
    from engine.quiz.worked import parse_worked

    return parse_worked(question, raw)


def grade(question, variant: Variant, parsed) -> GradeResult:
    """Score one parsed answer for `variant`."""
    _, key = variant_for(question, variant.seed)
    if question.type == "choice":
        return _grade_choice(question, variant, key, parsed)
    if question.type == "fix_expression":
        from engine.quiz.equivalence import grade_fix

        return grade_fix(question, variant, key, parsed)
    if question.type == "worked":
        from engine.quiz.worked import grade_worked

        return grade_worked(question, variant, key, parsed)
    if question.type == "code_output" and (parsed == ERROR or key.value == ERROR or isinstance(parsed, str)):
        return _grade_text_output(question, key, parsed)
    return _grade_number(question, key, parsed)


def grade_answer(question, raw: str, *, seed: int = 0) -> GradeResult:
    """parse then grade, for the CLI, the benchmark and tests; AnswerFormatError passes through."""
    variant, _ = variant_for(question, seed)
    return grade(question, variant, parse(question, raw, variant))


def _parse_choice(question, raw: str) -> tuple[str, ...]:
    letters = [c.upper() for c in raw.replace(",", " ").replace("option", " ").replace("Option", " ").split()]
    valid = [chr(65 + i) for i in range(len(question.options))]
    bad = [c for c in letters if c not in valid]
    if bad or not letters:
        raise AnswerFormatError(f"answer with option letters ({', '.join(valid)}); '{raw.strip()}' is not one")
    if not question.multiple and len(set(letters)) > 1:
        raise AnswerFormatError("pick exactly one option")
    return tuple(sorted(set(letters)))


def _grade_choice(question, variant: Variant, key: Key, picked: tuple[str, ...]) -> GradeResult:
    """Partial credit as PrairieLearn's pl-checkbox "PC": (right picks - wrong picks) / correct options, >= 0."""
    order = variant.order or tuple(range(len(question.options)))
    chosen = [question.options[order[ord(letter) - 65]] for letter in picked]
    n_correct = sum(o.correct for o in question.options)
    right = sum(o.correct for o in chosen)
    score = max(0.0, (right - (len(chosen) - right)) / n_correct)
    correct = right == n_correct and right == len(chosen)
    lines = [f"**{letter}**: {'✓' if o.correct else '✗'} {o.feedback}" for letter, o in zip(picked, chosen)]
    if not correct and question.multiple and right < n_correct:
        lines.append(f"{n_correct - right} correct option(s) not ticked.")
    return GradeResult(score=round(score, 4), correct=correct, feedback="\n\n".join(lines), answer_key=key.shown)


# ---------------------------------------------------------------- numbers

def _parse_numeric(question, raw: str) -> Number:
    number, unit = parse_quantity(raw)
    if unit is None:
        return Number(number, raw.strip())
    if question.unit is None:
        raise AnswerFormatError(f"this answer is a plain number; leave out the unit '{unit.name}'")
    return Number(convert(number, unit, unit_named(question.unit)), raw.strip())


def _parse_output(question, raw: str, variant: Variant | None):
    text = raw.strip()
    if text.lower().rstrip(".!") in ("error", "an error", "it raises an error", "raises an error", "exception"):
        return ERROR
    _, key = variant_for(question, variant.seed if variant else 0)
    if isinstance(key.value, (int, float)):
        try:
            return Number(parse_number(text), text)
        except AnswerFormatError:
            raise AnswerFormatError(f"'{text}' is not a number; type the number the snippet prints (or Error)") from None
    return text


def _grade_number(question, key: Key, answer: Number) -> GradeResult:
    value, expected = answer.value, key.value
    exact = question.type == "code_output"  # printed output: the very number Python prints
    if (value == expected) if exact else close(value, expected, question):
        note = f" (Python prints it as {key.shown})" if exact and answer.typed != key.shown else ""
        return GradeResult(score=1, correct=True, feedback=f"Correct: {key.shown}.{note}", answer_key=key.shown)
    if exact and math.isclose(value, expected, rel_tol=1e-9):
        return _wrong(key, f"Close, but Python prints exactly {key.shown} (floating-point arithmetic).")
    for mistake in question.solution.common_mistakes:
        wrong = key.mistakes.get(mistake.id)
        if wrong is not None and _matches(value, wrong, question):
            text = render(mistake.text, key.bindings)
            return _wrong(key, f"{answer.typed} is what you get by this common mistake: {text}", mistake.id)
    unit = getattr(question, "unit", None)
    if unit and unit_named(unit).dimension == "bytes":
        for slip, (factor, text) in UNIT_SLIPS.items():
            if close(value, expected * factor, question):
                return _wrong(key, f"{answer.typed}: {text}", slip)
    return _wrong(key, f"{answer.typed} is not right, and no common mistake gives it; compare your working with the solution.")


def _matches(value: float, wrong: float, question) -> bool:
    return close(value, wrong, question) or (question.type == "code_output" and math.isclose(value, wrong, rel_tol=1e-9))


def _grade_text_output(question, key: Key, answer) -> GradeResult:
    if key.value == ERROR:
        if answer == ERROR:
            return GradeResult(score=1, correct=True, feedback="Correct: the snippet raises an error.", answer_key=ERROR)
        return _wrong(key, "The snippet does not print anything: it raises an error first.")
    if answer == ERROR:
        return _wrong(key, "The snippet runs without an error.")
    typed = "\n".join(line.strip() for line in str(answer).strip().splitlines())
    printed = "\n".join(line.strip() for line in str(key.value).strip().splitlines())
    if typed == printed:
        return GradeResult(score=1, correct=True, feedback=f"Correct: it prints {key.shown}.", answer_key=key.shown)
    hint = " (check upper and lower case)" if typed.lower() == printed.lower() else ""
    if not hint and typed and typed in printed:
        hint = ": that is only part of it; print shows the whole line"
    return _wrong(key, f"That is not what the snippet prints{hint}.")


def _wrong(key: Key, feedback: str, mistake_id: str | None = None) -> GradeResult:
    return GradeResult(score=0, correct=False, feedback=feedback, mistake_id=mistake_id, answer_key=key.shown)
