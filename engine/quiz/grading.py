"""Grading: parse a learner's raw answer, then grade it against the variant's key.

Two steps, as in PrairieLearn (https://prairielearn.readthedocs.io/en/latest/question/server/):

    parse(question, raw, variant) -> parsed answer    or AnswerFormatError (costs no attempt:
                                                       "twelve", "12 apples", an unknown name)
    grade(question, variant, parsed) -> GradeResult   score 0..1, correct, feedback, mistake_id,
                                                       per-step marks; JSON via .model_dump()

Numbers are checked exactly by default (1e-9 relative, for float noise only),
unlike PrairieLearn's 1% default, which would accept 250 and 252.5 for 252; a
wrong number is matched against every listed mistake's value to name the slip
(engine/quiz/matching.py holds the rules, units included). choice and numeric are
graded here; code_output in engine/quiz/output.py, fix_expression in
engine/quiz/equivalence.py and worked in engine/quiz/worked.py.
"""

from __future__ import annotations

from engine.quiz.answer_key import Key, variant_for
from engine.quiz.matching import Number, agrees, is_right, read_number, unit_slip
from engine.quiz.result import GradeResult, StepMark
from engine.quiz.units import AnswerFormatError
from engine.quiz.variants import Variant, render

__all__ = ["AnswerFormatError", "GradeResult", "Number", "StepMark", "grade", "grade_answer", "parse"]
MAX_ANSWER_CHARS = 2000


def parse(question, raw: str, variant: Variant | None = None):
    """The learner's answer, read; AnswerFormatError says what cannot be read and costs no attempt."""
    if raw is None or not str(raw).strip():
        raise AnswerFormatError("the answer is empty")
    raw = str(raw)
    if len(raw) > MAX_ANSWER_CHARS:
        raise AnswerFormatError(f"the answer is {len(raw):,} characters long; the limit is {MAX_ANSWER_CHARS:,}")
    if question.type == "choice":
        return _parse_choice(question, raw)
    if question.type == "numeric":
        return read_number(raw, question.unit)
    if question.type == "code_output":
        from engine.quiz.output import parse_output

        return parse_output(question, raw, variant_for(question, variant.seed if variant else 0)[1])
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
    if question.type == "code_output":
        from engine.quiz.output import grade_output

        return grade_output(question, key, parsed, key.bindings)
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
        raise AnswerFormatError(f"answer with option letters ({', '.join(valid)}); '{raw.strip()[:40]}' is not one")
    if not question.multiple and len(set(letters)) > 1:
        raise AnswerFormatError("pick exactly one option")
    return tuple(sorted(set(letters)))


def _grade_choice(question, variant: Variant, key: Key, picked: tuple[str, ...]) -> GradeResult:
    """Partial credit as PrairieLearn's pl-checkbox "PC": (right picks - wrong picks) / correct options, >= 0.

    A wrong option linked to a common mistake (`mistake: id`) names it: the result's mistake_id is the
    first such option's, so the class report counts it.
    """
    order = variant.order or tuple(range(len(question.options)))
    chosen = [question.options[order[ord(letter) - 65]] for letter in picked]
    n_correct = sum(o.correct for o in question.options)
    right = sum(o.correct for o in chosen)
    score = max(0.0, (right - (len(chosen) - right)) / n_correct)
    correct = right == n_correct and right == len(chosen)
    mistakes = {m.id: m for m in question.solution.common_mistakes}
    lines = []
    for letter, option in zip(picked, chosen):
        line = f"**{letter}**: {'✓' if option.correct else '✗'} {option.feedback}"
        if option.mistake and not option.correct:
            line += f" (Common mistake: {render(mistakes[option.mistake].text, variant.values)})"
        lines.append(line)
    if not correct and question.multiple and right < n_correct:
        lines.append(f"{n_correct - right} correct option(s) not ticked.")
    mistake_id = next((o.mistake for o in chosen if o.mistake and not o.correct), None)
    return GradeResult(score=round(score, 4), correct=correct, feedback="\n\n".join(lines), mistake_id=mistake_id,
                       answer_key=key.shown)


# ---------------------------------------------------------------- numbers (engine/quiz/matching.py: the rules)

def _grade_number(question, key: Key, answer: Number) -> GradeResult:
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
