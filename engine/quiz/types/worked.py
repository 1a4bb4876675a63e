"""worked: show your working, one step per line; every step is marked, errors carried forward.

The key is the last of the question's reference `steps`, evaluated for the variant; the
steps inline into one answer expression for the mistake transformations. A learner's
line is `name = expression [= value ...]` or `expression = value [= ...]`; reading the
lines is here, marking them is in engine/quiz/types/worked_marking.py.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from engine.quiz.keys import Key, numeric_key
from engine.quiz.portable import number
from engine.quiz.precision import precision_of, unit_of
from engine.quiz.numbers import with_unit
from engine.quiz.reader import read_part
from engine.quiz.snippets import Inline
from engine.quiz.types.base import AnswerInput, QuestionType
from engine.quiz.units import AnswerFormatError, Unit, clip, is_unit_word
from engine.quiz.variants import render_snippet

MAX_LINES = 20
_EQUALS = re.compile(r"((?<![=<>!])=(?!=)|≈)")
# What people put before a step and that changes nothing: "Step 1:", "1.", "1)", "-", "*", "•"
_ARROWS = re.compile(r"\s*(?:=>|->|→|⇒|⟹)\s*")  # 252.5 → 252: an arrow is "about", like ≈
_LABEL = re.compile(r"^(?P<words>[A-Za-z][A-Za-z_]*(?: [A-Za-z][A-Za-z_]*)*)\s*(?::|=(?!=))\s*(?=\S)")
_LINE_NOISE = re.compile(r"^\s*(?:(?:step\s*)?\d+\s*[:.)]\s+|step\s*\d+\s*[-–—]?\s*|[-*•]\s+)", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    text: str
    name: str | None  # the name the learner gave the result, if any
    parts: tuple[str, ...]  # the expressions between the `=` signs, as Python
    units: tuple[Unit | None, ...] = ()  # the unit written after each part, if any
    written: tuple[str, ...] = ()  # the parts as the learner typed them, for feedback
    about: tuple[bool, ...] = ()  # for each sign between parts: ≈ or an arrow (may round or truncate), not =


STEPS_IN_APP = ("In LoRA Lab each line of the working is checked, with errors carried forward; "
                "here only the final result is scored.")


class Worked(QuestionType):
    name = "worked"
    field = "steps"

    def expression(self, question) -> str:
        cache = question._cache
        if "expression" not in cache:
            cache["expression"] = steps_expression(question.steps)
        return cache["expression"]

    def key(self, question, variant) -> Key:
        from engine.sandbox import evaluate

        expression = self.expression(question)
        value = evaluate(expression, dict(variant.values))
        written = with_unit(precision_of(question).written(value), unit_of(question))
        return numeric_key(question, value, expression, variant.values, shown=written)

    def env(self, question, key: Key) -> dict:
        from engine.sandbox import SnippetError, evaluate

        env = dict(key.bindings)
        for step in question.steps:
            if step.name:
                try:
                    env[step.name] = evaluate(step.expr, dict(env))
                except SnippetError:
                    break
        env["answer"] = key.value
        return env

    def parse(self, question, raw: str, variant, key: Key) -> list[Line]:
        return parse_worked(question, raw)

    def grade(self, question, variant, key: Key, lines: list[Line]):
        from engine.quiz.types.worked_marking import grade_worked

        return grade_worked(question, variant, key, lines)

    def names(self, question):
        known = set(question.params)
        for j, step in enumerate(question.steps):
            yield f"steps[{j}].expr", step.expr, set(known)
            known |= {step.name} if step.name else set()

    def target_names(self, question) -> set[str]:
        return set(question.params) | {step.name for step in question.steps if step.name}

    def final_answer_problems(self, question, variant, key: Key):
        from engine.quiz.types.numeric import number_answer_problems

        return number_answer_problems(question, variant, key)

    def answer_input(self, question, variant) -> AnswerInput:
        return AnswerInput("lines", "Your working", help=self.expected(question, variant))

    def expected(self, question, variant) -> str:
        name = question.steps[0].name or "step"
        first = next(iter(variant.values.values()), 1000)
        line = f"{name} = {first} + 1 = {first + 1}"
        return (f"Expected: one step per line, `name = expression = value` or `expression = value`, e.g. `{line}`; "
                "a unit may follow a value (= 14 GB).")

    # ---- export
    def portable(self, question, variant, key: Key):
        """The final result as a number; the steps go in the solution, and step checking stays in the app."""
        code = render_snippet(question.snippet, variant.values) if question.snippet else None
        return number(question, variant, key, code=code, note=STEPS_IN_APP, solution=self.solution(question, variant, key))


def _label(text: str) -> str:
    """'base: 7 * 2 = 14' and 'total memory = 14 + 0.224' name their result (base, total_memory)."""
    match = _LABEL.match(text)
    if match is None or (" " not in match["words"] and not text[match.end("words"):].lstrip().startswith(":")):
        return text
    return "_".join(match["words"].split()) + " = " + text[match.end():]


def steps_expression(steps) -> str:
    """The reference steps inlined into one expression: [a = x + y, int(a * f)] -> int((x + y) * f)."""
    env: dict[str, ast.expr] = {}
    tree = None
    for step in steps:
        tree = Inline(env).visit(ast.parse(step.expr, mode="eval").body)
        if step.name:
            env[step.name] = tree
    return ast.unparse(tree)


def parse_worked(question, raw: str) -> list[Line]:
    """Split and read the learner's lines; AnswerFormatError names the line that cannot be read.

    `=` and `≈` separate the parts of a line; each part is read by the one answer reader
    (engine/quiz/reader.py): maths as learners write it, and a unit after it.
    """
    from engine.sandbox import BUILTIN_NAMES, SnippetError, names_used

    pieces = [piece.strip() for line in raw.strip().splitlines() for piece in line.split(" #")[0].split(";")]
    read = [(piece, _label(_ARROWS.sub(" ≈ ", _LINE_NOISE.sub("", piece))).strip().rstrip(".").strip())
            for piece in pieces]
    read = [(piece, text) for piece, text in read if text and not text.startswith("#")]
    if len(read) > MAX_LINES:
        raise AnswerFormatError(f"{len(read)} lines; write at most {MAX_LINES} steps")
    known = set(question.params) | set(BUILTIN_NAMES)
    lines = []
    for number, (typed, text) in enumerate(read, start=1):
        pieces = _EQUALS.split(text)
        parts, about = [p.strip() for p in pieces[::2]], [sign == "≈" for sign in pieces[1::2]]
        if len(parts) < 2 or not all(parts):
            raise AnswerFormatError(f"line {number} ('{clip(text)}'): write each step as `name = expression` "
                                    "or `expression = value`, e.g. `int(1010 * 0.25) = 252`")
        name = parts[0] if parts[0].isidentifier() and parts[0] not in BUILTIN_NAMES else None
        exprs, units = [], []
        for part in parts[1:] if name else parts:
            try:
                python, unit = read_part(part, frozenset(known))
                unknown = sorted(names_used(python) - known)  # parsed by the safe evaluator, cached
            except AnswerFormatError as exc:
                raise AnswerFormatError(f"line {number}: {exc}") from None
            except (SyntaxError, SnippetError):
                raise AnswerFormatError(f"line {number}: '{clip(part)}' is not an expression") from None
            if unknown and is_unit_word(unknown[0]):
                raise AnswerFormatError(f"line {number}: a unit goes after a value, at the end of a side of `=`, "
                                        f"not inside the maths ('{unknown[0]}'): write e.g. `7e9 * 2 = 14e9 B`")
            if unknown:
                raise AnswerFormatError(f"line {number} uses '{unknown[0]}', which is not a quantity of the "
                                        f"question ({', '.join(question.params)}) nor a name from an earlier line")
            exprs.append(python)
            units.append(unit)
        if name:
            known.add(name)
        lines.append(Line(text=typed, name=name, parts=tuple(exprs), units=tuple(units),
                          written=tuple(parts[1:] if name else parts), about=tuple(about[1:] if name else about)))
    return lines


TYPE = Worked()
