"""code_output: "what does this program print?" The key is what the snippet prints.

The snippet runs in the safe evaluator; the key is its printed text, or `Error` when Python
would raise. By default (`compare: text`) the answer is the printed *text*: only whitespace
is forgiven (spaces at the ends of lines, runs of spaces, blank lines), so `2` is wrong where
Python prints `2.0`, and the feedback says why. When the program prints a number, an answer
that is not a number ("twelve", `1e400`, `inf`) is a format error and costs no attempt. A
question may opt in to `compare: number`, where any spelling of the printed number is right.

A wrong answer is matched against each mistake's value: the text a mistake's `snippet`
prints, or the number its formula or transform gives (as text, or as the same number).
"""

from __future__ import annotations

import re

from engine.quiz.keys import Key, numeric_key
from engine.quiz.matching import isclose, read_number
from engine.quiz.numbers import parse_number
from engine.quiz.portable import Number, Slip, Text
from engine.quiz.result import GradeResult
from engine.quiz.snippets import ERROR, printed, runtime_error, snippet_expression
from engine.quiz.types.base import QuestionType
from engine.quiz.units import AnswerFormatError, clip
from engine.quiz.variants import defaults, render, render_snippet

_ERROR_WORDS = ("error", "an error", "it raises an error", "raises an error", "exception", "it raises")
# "ZeroDivisionError", "Error: division by zero", "it raises a TypeError": an exception named
_EXCEPTION = re.compile(r"(?:it\s+raises\s+(?:an?\s+)?)?(?:[A-Z]\w*)?(?:Error|Exception)\b(?::.*)?", re.DOTALL | re.IGNORECASE)


def normalize(text: str) -> str:
    """Whitespace forgiven: each line's runs of spaces become one, blank lines and line ends dropped."""
    return "\n".join(" ".join(line.split()) for line in str(text).strip().splitlines() if line.strip())


class CodeOutput(QuestionType):
    name = "code_output"
    field = "snippet"
    mistake_snippets = True

    def expression(self, question) -> str | None:
        """The snippet's expression, used only when it does not depend on the variant: derived
        from two different renders, the two must be the same text."""
        cache = question._cache
        if "expression" not in cache:
            first = defaults(question.params)
            other = {n: (p.max if p.choices is None else p.choices[-1]) for n, p in question.params.items()}
            try:
                a, b = (snippet_expression(render_snippet(question.snippet, v), set(v)) for v in (first, other))
                cache["expression"] = a if a == b else None
            except SyntaxError:
                cache["expression"] = None
        return cache["expression"]

    def key(self, question, variant) -> Key:
        from engine.sandbox import SnippetError, run_snippet

        values = variant.values
        source = render_snippet(question.snippet, values)
        try:
            text = run_snippet(source).rstrip("\n")
        except SnippetError as exc:
            if not runtime_error(exc):
                raise
            return Key(value=ERROR, shown=ERROR, mistakes=_snippet_mistakes(question, values))
        expression = self.expression(question) or snippet_expression(source, set(values))
        key = numeric_key(question, text, expression, values, shown=text)
        return Key(value=key.value, shown=key.shown, expression=key.expression, bindings=key.bindings,
                   mistakes={**key.mistakes, **_snippet_mistakes(question, values)})

    def parse(self, question, raw: str, variant, key: Key):
        text = _unquoted(raw.strip(), key.shown)
        printed_error = key.value != ERROR and key.shown.lower().startswith(("error", "exception"))  # printed words
        if not printed_error and (text.lower().rstrip(".!") in _ERROR_WORDS or _EXCEPTION.fullmatch(text)):
            return ERROR
        if not isinstance(key.value, (int, float)):
            return text
        try:  # the program prints a number: an answer that is not one cannot be read (and costs nothing)
            number = read_number(text, None, maths=False)  # a printed number is a literal
        except AnswerFormatError as exc:
            raise AnswerFormatError(f"{exc} (type the number the snippet prints, or Error)") from None
        return number if question.compare == "number" else text

    def grade(self, question, variant, key: Key, answer) -> GradeResult:
        values = key.bindings
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

    def check_mistake_snippet(self, question, path: str, mistake):
        from engine.sandbox import SnippetError, check_syntax

        try:
            check_syntax(render_snippet(mistake.snippet, defaults(question.params)))
        except SnippetError as exc:
            yield f"{path}.snippet", f"the mistake's snippet is refused: {exc}"

    def check_variant(self, question, variant, key: Key):
        if question.expected is not None:
            expected = render(question.expected, variant.values).strip()
            if expected != str(key.value).strip() and expected != key.shown.strip():
                yield "expected", f"the snippet prints '{key.shown}', not the expected '{expected}'"

    def final_answer_problems(self, question, variant, key: Key):
        text = render(question.solution.final_answer, variant.values).strip()
        if isinstance(key.value, (int, float)) and not re.search(r"\d", text):
            return  # prose where a number is printed: not an answer to check
        try:
            result = self.grade(question, variant, key, self.parse(question, text, variant, key))
        except AnswerFormatError as exc:
            yield f"the final answer '{clip(text)}' cannot be read as an answer ({exc})"
            return
        if not result.correct:
            yield f"the final answer '{clip(text)}' is graded wrong: the snippet prints '{clip(key.shown)}'"

    def mistake_gives_key(self, question, key: Key, wrong) -> bool:
        if isinstance(wrong, str) or isinstance(key.value, str):
            return normalize(str(wrong)) == normalize(key.shown if key.value != ERROR else ERROR)
        return isclose(wrong, key.value, rel_tol=1e-9)

    def giveaway(self, question, key: Key) -> str | None:
        return None if key.value == ERROR else key.shown

    def expected(self, question, variant) -> str:
        if isinstance(self.key(question, variant).value, (int, float)):
            return "Expected: the number the program prints, as Python prints it (2.0, not 2, for a float), or Error."
        return "Expected: exactly the text the program prints, or Error if it raises."

    # ---- export
    def portable(self, question, variant, key: Key):
        """The printed text, whitespace aside, with what each mistake prints; `compare: number` is a number."""
        shared = dict(prompt=render(question.prompt, variant.values), code=render_snippet(question.snippet, variant.values),
                      solution=self.solution(question, variant, key))
        if question.compare == "number" and isinstance(key.value, (int, float)):
            return Number(**shared, key=key.value, low=key.value, high=key.value)
        slips = tuple(Slip(id=m.id, text=render(m.text, variant.values), answer=str(key.mistakes[m.id]))
                      for m in question.solution.common_mistakes if m.id in key.mistakes)
        if key.value == ERROR:  # the words parse() takes for "it raises", with a full stop too
            words = tuple(w.capitalize() if w == "error" else w for w in _ERROR_WORDS)
            return Text(**shared, slips=slips, answers=words + tuple(f"{w}." for w in words), ignore_case=True)
        return Text(**shared, slips=slips, answers=(key.shown,), multiline="\n" in key.shown.strip())


def _unquoted(text: str, printed: str) -> str:
    """The answer without the backticks or quotes a learner put around it (print shows none)."""
    for mark in ("```", "`", '"', "'"):
        if len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark) and not printed.startswith(mark):
            return text[len(mark):-len(mark)].strip()
    return text


def _snippet_mistakes(question, values: dict) -> dict[str, str]:
    """mistake id -> what the mistake's snippet prints, for mistakes given as a modified snippet."""
    from engine.sandbox import SnippetError

    out = {}
    for mistake in question.solution.common_mistakes:
        if mistake.snippet:
            try:
                out[mistake.id] = printed(render_snippet(mistake.snippet, values))
            except SnippetError:
                continue  # validation names the mistake snippet that is refused
    return out


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


def _hint(typed: str, shown: str) -> str:
    typed, shown = normalize(typed), normalize(shown)
    if typed.lower() == shown.lower():
        return " (check upper and lower case)"
    if typed and typed in shown:
        return ": that is only part of it; print shows the whole line"
    return ""


def _right(key: Key, feedback: str) -> GradeResult:
    return GradeResult(score=1, correct=True, feedback=feedback, answer_key=key.shown)


def _wrong(key: Key, feedback: str, mistake_id: str | None = None) -> GradeResult:
    return GradeResult(score=0, correct=False, feedback=feedback, mistake_id=mistake_id, answer_key=key.shown)


TYPE = CodeOutput()
