"""fix_expression: "what is the error and how to fix it?" The learner types a corrected expression.

Checked by sampling, as WeBWorK and Moodle's formula questions do: both
expressions are evaluated by the safe evaluator, with Python's semantics, on
the same values of the snippet's variables, and must agree (1e-9 relative,
so `a * c + b * c` is as good as `(a + b) * c`).

Samples (`SAMPLES` of them, fixed per question): the defaults, every param at
its min, every param at its max, then values drawn from the declared ranges
(ints stay ints, floats anywhere in the range). The snippet's assignments before
the buggy line are evaluated for each sample, so its intermediate names work too.

Refused before grading, costing no attempt: an expression that does not parse,
a name the snippet does not define, and hard-coded numbers: a bare `246`, or a
literal equal to a variable's value (it would only be right for these values).
"""

from __future__ import annotations

import ast
import random
import re

from engine.quiz.keys import Key, numeric_key
from engine.quiz.matching import isclose
from engine.quiz.portable import Essay, solution_lines
from engine.quiz.reader import shown as number
from engine.quiz.result import GradeResult
from engine.quiz.snippets import snippet_bindings
from engine.quiz.types.base import AnswerInput, QuestionType
from engine.quiz.units import AnswerFormatError, clip
from engine.quiz.variants import Variant, defaults, render, render_snippet

SAMPLES = 12  # evaluations per comparison: 3 edge cases + 9 random draws
_FAILED = object()  # an evaluation that raised (both raising the same way counts as equal)


class FixExpression(QuestionType):
    name = "fix_expression"
    field = "reference"

    def expression(self, question) -> str:
        return question.reference

    def key(self, question, variant) -> Key:
        from engine.sandbox import evaluate

        bindings = snippet_bindings(render_snippet(question.snippet, variant.values), variant.values,
                                    stop_at=question.target)
        value = evaluate(question.reference, bindings)
        return numeric_key(question, value, question.reference, bindings, shown=question.reference)

    def parse(self, question, raw: str, variant, key: Key) -> str:
        return parse_fix(question, raw, variant)

    def grade(self, question, variant, key: Key, expression: str) -> GradeResult:
        return grade_fix(question, variant, key, expression)

    def names(self, question):
        from engine.sandbox import SnippetError

        try:  # the default values only: computing the key would run the reference, which is checked next
            allowed = set(allowed_names(question, Variant(seed=0, values=defaults(question.params))))
        except (SnippetError, SyntaxError, ValueError) as exc:
            yield "snippet", f"the snippet cannot be read: {exc}"
            return
        yield "reference", question.reference, allowed

    def mistake_names(self, question) -> set[str]:
        """The snippet's names before the buggy line, for the default values."""
        return set(allowed_names(question, Variant(seed=0, values=defaults(question.params))))

    def check_mistake(self, question, key: Key, path: str, mistake, wrong: str):
        if equivalent(wrong, question.reference, question):
            yield path, f"the mistake's expression `{wrong}` is equivalent to the reference"

    def final_answer_problems(self, question, variant, key: Key):
        """The final answer's last `code` span, when it has one, must be a right fix."""
        spans = re.findall(r"`([^`]+)`", render(question.solution.final_answer, variant.values))
        if not spans:
            return
        try:
            result = self.grade(question, variant, key, self.parse(question, spans[-1], variant, key))
        except AnswerFormatError as exc:
            yield f"the final answer's `{clip(spans[-1])}` cannot be read as a fix ({exc})"
            return
        if not result.correct:
            yield f"the final answer's `{clip(spans[-1])}` is graded wrong: {result.feedback}"

    def mistake_gives_key(self, question, key: Key, wrong) -> bool:
        return False  # decided over all samples, once (check_mistake)

    def giveaway(self, question, key: Key) -> str | None:
        return None

    def answer_input(self, question, variant) -> AnswerInput:
        return AnswerInput("line", "Your answer", help="A Python expression using the snippet's names.")

    # ---- export
    def portable(self, question, variant, key: Key):
        """An essay a person scores: a standard format cannot check that two expressions are equivalent."""
        rubric = (f"Right: any expression for `{question.target}` equivalent to `{question.reference}` "
                  f"(for these values it gives {number(key.value)}). Hard-coded numbers are wrong: the fix must use "
                  "the snippet's names.")
        return Essay(prompt=render(question.prompt, variant.values), code=render_snippet(question.snippet, variant.values),
                     solution=solution_lines(question, variant.values), rubric=rubric,
                     reason="QTI cannot score whether two expressions are equivalent; LoRA Lab checks it by sampling")


def parse_fix(question, raw: str, variant: Variant) -> str:
    """The learner's expression, checked for syntax, names and hard-coded numbers."""
    from engine.sandbox import BUILTIN_NAMES, SnippetError, literals_used, names_used

    text = raw.strip()
    prefix = f"{question.target} ="
    if text.startswith(prefix) and not text.startswith(prefix + "="):
        text = text[len(prefix):].strip()  # the learner typed the whole line
    try:
        ast.parse(text, mode="eval")
        used = names_used(text)
        literals = literals_used(text)
    except (SyntaxError, SnippetError) as exc:
        message = getattr(exc, "msg", None) or str(exc)
        raise AnswerFormatError(f"'{clip(text)}' is not a Python expression ({message})") from None
    allowed = allowed_names(question, variant)
    unknown = sorted(used - set(allowed) - set(BUILTIN_NAMES))
    if unknown:
        raise AnswerFormatError(f"only the snippet's names may be used ({', '.join(allowed)}); "
                                f"'{unknown[0]}' is not one of them")
    if not (used & set(allowed)):
        raise AnswerFormatError(f"'{clip(text)}' is a hard-coded number: it is right only for these exact values. "
                                f"Write the fix with the snippet's names ({', '.join(allowed)}) so it works for any sizes.")
    written = set(literals_used(question.reference)) | set(literals_used(buggy_expression(question, variant)))
    for literal in literals:
        if literal in written or literal in (0, 1):
            continue  # numbers of the formula itself (8 bits per byte), not a variable's value
        for name, value in variant.values.items():
            if literal == value:
                raise AnswerFormatError(f"{literal} is hard-coded: it is the value of {name} here. "
                                        f"Use the name {name} so the fix works when it changes.")
    return text


def allowed_names(question, variant: Variant) -> list[str]:
    """The snippet's names defined before the buggy line (params first), cached per variant."""
    cache_key = ("allowed", tuple(variant.values.items()))
    if cache_key not in question._cache:
        question._cache[cache_key] = _allowed_names(question, variant)
    return question._cache[cache_key]


def _allowed_names(question, variant: Variant) -> list[str]:
    source = render_snippet(question.snippet, variant.values)
    names = list(question.params)
    for stmt in ast.parse(source).body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name = stmt.targets[0].id
            if name == question.target:
                break
            if name not in names:
                names.append(name)
    return names


def buggy_expression(question, variant: Variant) -> str:
    """The right-hand side of the buggy assignment, as the snippet has it (cached per variant)."""
    cache_key = ("buggy", tuple(variant.values.items()))
    if cache_key not in question._cache:
        question._cache[cache_key] = _buggy_expression(question, variant)
    return question._cache[cache_key]


def _buggy_expression(question, variant: Variant) -> str:
    for stmt in ast.parse(render_snippet(question.snippet, variant.values)).body:
        if isinstance(stmt, ast.Assign) and getattr(stmt.targets[0], "id", None) == question.target:
            return ast.unparse(stmt.value)
    raise ValueError(f"the snippet never assigns '{question.target}'")


def samples(question) -> list[dict]:
    """Bindings (params + the snippet's intermediate values) for each sample, cached on the question."""
    cached = question._cache.get("samples")
    if cached is None:
        draws = [defaults(question.params)]
        draws.append({n: p.min if p.choices is None else min(p.choices) for n, p in question.params.items()})
        draws.append({n: p.max if p.choices is None else max(p.choices) for n, p in question.params.items()})
        rng = random.Random(f"samples:{question.id}")
        draws += [{n: _sample(p, rng) for n, p in question.params.items()} for _ in range(SAMPLES - len(draws))]
        cached = [snippet_bindings(render_snippet(question.snippet, v), v, stop_at=question.target) for v in draws]
        question._cache["samples"] = cached
    return cached


def _sample(param, rng: random.Random):
    if param.choices is not None:
        return rng.choice(param.choices)
    if param.is_int:
        return rng.randint(param.min, param.max)
    return rng.uniform(param.min, param.max)


def values_of(expression: str, points: list[dict]) -> list:
    from engine.sandbox import SnippetError, evaluate

    out = []
    for names in points:
        try:
            out.append(evaluate(expression, dict(names)))
        except SnippetError as exc:
            out.append((_FAILED, str(exc).split(":")[0]))
    return out


def same_values(left: list, right: list) -> bool:
    for a, b in zip(left, right):
        if isinstance(a, tuple) or isinstance(b, tuple):
            if a != b:
                return False
        elif not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
            if a != b:
                return False
        elif not isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
            return False
    return True


def equivalent(first: str, second: str, question) -> bool:
    points = samples(question)
    return same_values(values_of(first, points), values_of(second, points))


def grade_fix(question, variant: Variant, key: Key, expression: str):
    """Correct when equivalent to the reference; otherwise name the mistake it reproduces."""
    from engine.quiz.mistakes import TransformError, mistake_expression

    points = samples(question)
    theirs = values_of(expression, points)
    if same_values(theirs, _reference_values(question, points)):
        return GradeResult(score=1, correct=True, feedback=f"Correct: `{expression}` fixes it.", answer_key=key.shown)
    for mistake in question.solution.common_mistakes:
        try:
            wrong = mistake_expression(question.reference, mistake)
        except TransformError:
            continue
        if wrong is not None and same_values(theirs, values_of(wrong, points)):
            return _wrong(key, f"`{expression}` is this common mistake: {render(mistake.text, variant.values)}", mistake.id)
    if same_values(theirs, values_of(buggy_expression(question, variant), points)):
        return _wrong(key, "That is the snippet's expression unchanged, bug included.", "unchanged")
    return _wrong(key, _counterexample(expression, theirs, question, points))


def _reference_values(question, points: list[dict]) -> list:
    cached = question._cache.get("reference_values")
    if cached is None:
        cached = question._cache["reference_values"] = values_of(question.reference, points)
    return cached


def _counterexample(expression: str, theirs: list, question, points: list[dict]) -> str:
    reference = _reference_values(question, points)
    for names, got, want in zip(points, theirs, reference):
        if not same_values([got], [want]):
            shown = ", ".join(f"{n}={names[n]}" for n in question.params)
            got_text = f"an error ({got[1]})" if isinstance(got, tuple) else number(got)
            return f"`{expression}` is not equivalent to a fix: with {shown} it gives {got_text}, not {number(want)}."
    return f"`{expression}` is not equivalent to a fix."


def _wrong(key: Key, feedback: str, mistake_id: str | None = None):
    return GradeResult(score=0, correct=False, feedback=feedback, mistake_id=mistake_id, answer_key=key.shown)


TYPE = FixExpression()
