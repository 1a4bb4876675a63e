"""code_output questions: "what does this program print?" parsed and graded.

The key is what the snippet prints, run by the safe evaluator (engine/quiz/answer_key.py),
or `Error` when Python would raise. By default (`compare: text`) the answer is the
printed *text*: only whitespace is forgiven (spaces at the ends of lines, runs of
spaces, blank lines), so `2` is wrong where Python prints `2.0`, and the feedback
says why. When the program prints a number, an answer that is not a number
("twelve", `1e400`, `inf`) is a format error and costs no attempt. A question may opt in to `compare: number`, where any spelling of the
printed number is right (2, 2.0, 2e0).

A wrong answer is matched against each mistake's value: the text a mistake's
snippet prints, or the number its formula or transform gives (as text, or as the
same number).
"""

from __future__ import annotations

from engine.quiz.answer_key import ERROR, Key
from engine.quiz.matching import isclose, read_number
from engine.quiz.result import GradeResult
from engine.quiz.units import AnswerFormatError, parse_number
from engine.quiz.variants import render

_ERROR_WORDS = ("error", "an error", "it raises an error", "raises an error", "exception")


def normalize(text: str) -> str:
    """Whitespace forgiven: each line's runs of spaces become one, blank lines and line ends dropped."""
    return "\n".join(" ".join(line.split()) for line in str(text).strip().splitlines() if line.strip())


def parse_output(question, raw: str, key: Key):
    text = raw.strip()
    if text.lower().rstrip(".!") in _ERROR_WORDS:
        return ERROR
    if not isinstance(key.value, (int, float)):
        return text
    try:  # the program prints a number: an answer that is not one cannot be read (and costs nothing)
        number = read_number(text, None)
    except AnswerFormatError as exc:
        raise AnswerFormatError(f"{exc} (type the number the snippet prints, or Error)") from None
    return number if question.compare == "number" else text


def grade_output(question, key: Key, answer, values: dict) -> GradeResult:
    if key.value == ERROR or answer == ERROR:
        return _grade_error(question, key, answer, values)
    if question.compare == "number" and isinstance(key.value, (int, float)) and not isinstance(answer, str):
        if answer.value == key.value:
            return _right(key, f"Correct: {key.shown}.")
        typed = answer.typed
    else:
        typed = str(answer)
        if normalize(typed) == normalize(key.shown):
            return _right(key, f"Correct: {key.shown}.")
    number = _number(typed)
    if number is not None and isinstance(key.value, (int, float)) and number == key.value:
        return _wrong(key, f"The value is right, but Python prints it as {key.shown}, not {typed}: "
                           "the question asks for the printed text.", "printed_form")
    named = _mistake(question, key, typed, number, values)
    if named:
        return named
    if number is not None and isinstance(key.value, (int, float)) and isclose(number, key.value, rel_tol=1e-9):
        return _wrong(key, f"Close, but Python prints exactly {key.shown} (floating-point arithmetic).")
    return _wrong(key, f"That is not what the snippet prints{_hint(typed, key.shown)}.")


def _mistake(question, key: Key, typed: str, number, values: dict) -> GradeResult | None:
    for mistake in question.solution.common_mistakes:
        wrong = key.mistakes.get(mistake.id)
        if wrong is None:
            continue
        same = normalize(typed) == normalize(str(wrong))
        if not same and number is not None and isinstance(wrong, (int, float)):
            same = isclose(number, wrong, rel_tol=1e-9)
        if same:
            return _wrong(key, f"{typed} is what you get by this common mistake: {render(mistake.text, values)}",
                          mistake.id)
    return None


def _grade_error(question, key: Key, answer, values: dict) -> GradeResult:
    if key.value == ERROR:
        if answer == ERROR:
            return _right(key, "Correct: the snippet raises an error.")
        return _mistake(question, key, str(answer), _number(str(answer)), values) or _wrong(
            key, "The snippet does not print anything: it raises an error first.")
    for mistake in question.solution.common_mistakes:
        if key.mistakes.get(mistake.id) == ERROR:
            return _wrong(key, f"It runs without an error; an error is what this common mistake gives: "
                               f"{render(mistake.text, values)}", mistake.id)
    return _wrong(key, "The snippet runs without an error.")


def _number(text: str):
    try:
        return parse_number(text)
    except AnswerFormatError:
        return None


def _hint(typed: str, printed: str) -> str:
    typed, printed = normalize(typed), normalize(printed)
    if typed.lower() == printed.lower():
        return " (check upper and lower case)"
    if typed and typed in printed:
        return ": that is only part of it; print shows the whole line"
    return ""


def _right(key: Key, feedback: str) -> GradeResult:
    return GradeResult(score=1, correct=True, feedback=feedback, answer_key=key.shown)


def _wrong(key: Key, feedback: str, mistake_id: str | None = None) -> GradeResult:
    return GradeResult(score=0, correct=False, feedback=feedback, mistake_id=mistake_id, answer_key=key.shown)
