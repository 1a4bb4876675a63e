"""fix_expression: "what is the error and how to fix it?" The learner types a corrected expression.

The answer is Python, the snippet's language: `^` is refused with a hint (it is XOR in
Python; a power is `**`), and so are `×` and `÷`; the Unicode minus is read as `-`.

An answer is right when it is equivalent to the `reference` over the question's own variants
(every variant meeting the constraints; engine/quiz/types/fix_space.py decides it, by SymPy
where the expression is arithmetic, else on every variant). A wrong one is named when it
agrees with a listed mistake's expression, or with the snippet's own buggy one.

Refused before grading, costing no attempt: an expression that does not parse, a name the
snippet does not define, a bare number, and a literal that stands in for one of the
snippet's names: one equal to that name's value in the learner's variant, where the
expression with the name in its place is right and the expression as typed is not
(`(model_size + lora_size) * 0.3` where quantization_factor is 0.3). A literal that does
not stand in for a name (the 2 of `round(x, 2)`) is never refused for a coincidence of values.
"""

from __future__ import annotations

import ast
import copy
import re

from engine.quiz.keys import Key, numeric_key
from engine.quiz.numbers import shown
from engine.quiz.portable import Essay
from engine.quiz.result import GradeResult
from engine.quiz.types.base import QuestionType
from engine.quiz.types.fix_space import agrees_on_screen, bindings_of, equivalent, evaluate_on, first_difference
from engine.quiz.units import AnswerFormatError, clip
from engine.quiz.variants import Variant, defaults, render, render_snippet, symbolic_snippet

_NOT_PYTHON = {"^": "`^` is Python's bitwise XOR, not a power: write `**` (2**30)",
               "×": "write `*` to multiply", "·": "write `*` to multiply", "÷": "write `/` to divide"}


class FixExpression(QuestionType):
    name = "fix_expression"
    field = "reference"

    def expression(self, question) -> str:
        return question.reference

    def key(self, question, variant) -> Key:
        from engine.sandbox import evaluate

        bindings = bindings_of(question, variant.values)
        value = evaluate(question.reference, bindings)
        return numeric_key(question, value, question.reference, bindings, shown=question.reference)

    def parse(self, question, raw: str, variant, key: Key) -> str:
        return parse_fix(question, raw, variant)

    def grade(self, question, variant, key: Key, expression: str) -> GradeResult:
        return grade_fix(question, variant, key, expression)

    def names(self, question):
        from engine.sandbox import SnippetError

        try:  # the default values only: computing the key would run the reference, which is checked next
            allowed = set(allowed_names(question))
        except (SnippetError, SyntaxError, ValueError) as exc:
            yield "snippet", f"the snippet cannot be read: {exc}"
            return
        yield "reference", question.reference, allowed

    def mistake_names(self, question) -> set[str]:
        """The snippet's names before the buggy line."""
        return set(allowed_names(question))

    def check_mistake(self, question, key: Key, path: str, mistake, wrong: str):
        if equivalent(wrong, question.reference, question):
            yield path, f"the mistake's expression `{wrong}` is equivalent to the reference over every variant"

    def mistake_gives_key(self, question, key: Key, wrong) -> bool:
        return False  # decided over all variants, once (check_mistake)

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

    def giveaway(self, question, key: Key) -> str | None:
        return None

    def expected(self, question, variant) -> str:
        names = allowed_names(question)
        return (f"Expected: a Python expression over the snippet's names ({', '.join(names)}), e.g. "
                f"`{names[0]} * 2`, or the whole line `{question.target} = ...`.")

    # ---- export
    def portable(self, question, variant, key: Key):
        """An essay a person scores: a standard format cannot check that two expressions are equivalent."""
        rubric = (f"Right: any expression for `{question.target}` equivalent to `{question.reference}` "
                  f"(for these values it gives {shown(key.value)}). Hard-coded numbers are wrong: the fix must use "
                  "the snippet's names.")
        return Essay(prompt=render(question.prompt, variant.values), code=render_snippet(question.snippet, variant.values),
                     solution=self.solution(question, variant, key), rubric=rubric,
                     reason="QTI cannot score whether two expressions are equivalent; LoRA Lab checks it by sampling")


def parse_fix(question, raw: str, variant: Variant) -> str:
    """The learner's expression, checked for syntax, names and hard-coded numbers."""
    from engine.sandbox import BUILTIN_NAMES, SnippetError, names_used

    text = raw.strip().strip("`").strip().replace("−", "-")
    assigned = [line for line in text.splitlines() if re.match(rf"\s*{re.escape(question.target)}\s*=(?!=)", line)]
    text = (assigned[-1] if assigned and "\n" in text else text).strip().rstrip(";")  # a pasted snippet: its fixed line
    text = re.sub(rf"^{re.escape(question.target)}\s*=(?!=)\s*", "", text)  # the learner typed the whole line
    for sign, hint in _NOT_PYTHON.items():
        if sign in text:
            raise AnswerFormatError(f"'{clip(text)}': {hint}; the fix is Python, like the snippet")
    try:
        tree = ast.parse(text, mode="eval")
        used = names_used(text)
    except (SyntaxError, SnippetError) as exc:
        message = getattr(exc, "msg", None) or str(exc)
        raise AnswerFormatError(f"'{clip(text)}' is not a Python expression ({message})") from None
    allowed = allowed_names(question)
    unknown = sorted(used - set(allowed) - set(BUILTIN_NAMES))
    if unknown:
        raise AnswerFormatError(f"only the snippet's names may be used ({', '.join(allowed)}); "
                                f"'{unknown[0]}' is not one of them")
    if not (used & set(allowed)):
        raise AnswerFormatError(f"'{clip(text)}' is a hard-coded number: it is right only for these exact values. "
                                f"Write the fix with the snippet's names ({', '.join(allowed)}) so it works for any sizes.")
    stand_in = _stand_in(question, text, tree, variant)
    if stand_in:
        literal, name = stand_in
        raise AnswerFormatError(f"{literal} is hard-coded: it is the value of {name} here, and the fix is right "
                                f"only with {name} in its place. Use the name so the fix works when it changes.")
    return text


def _stand_in(question, text: str, tree: ast.Expression, variant: Variant) -> tuple[str, str] | None:
    """(literal, name) when a literal stands in for a name: with the name in its place the fix is right."""
    bindings = bindings_of(question, variant.values)
    candidates = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) in (int, float)]
    if not candidates or equivalent(text, question.reference, question):
        return None
    for node in candidates:
        for name, value in bindings.items():
            if value == node.value and not isinstance(value, bool):
                swapped = _replaced(tree, node, name)
                if equivalent(swapped, question.reference, question):
                    return repr(node.value), name
    return None


def _replaced(tree: ast.Expression, old: ast.Constant, name: str) -> str:
    """The expression with the literal `old` (that one occurrence) replaced by `name`."""
    index = [id(n) for n in ast.walk(tree)].index(id(old))
    clone = copy.deepcopy(tree)
    target = list(ast.walk(clone))[index]

    class Swap(ast.NodeTransformer):
        def visit_Constant(self, node):
            return ast.Name(name, ast.Load()) if node is target else node

    return ast.unparse(Swap().visit(clone))


def allowed_names(question) -> list[str]:
    """The snippet's names defined before the buggy line (params first), cached."""
    if "allowed" not in question._cache:
        source = _source(question)
        names = list(question.params)
        for stmt in ast.parse(source).body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                name = stmt.targets[0].id
                if name == question.target:
                    break
                if name not in names:
                    names.append(name)
        question._cache["allowed"] = names
    return question._cache["allowed"]


def buggy_expression(question) -> str:
    """The right-hand side of the buggy assignment, over the params (cached)."""
    if "buggy" not in question._cache:
        for stmt in ast.parse(_source(question)).body:
            if isinstance(stmt, ast.Assign) and getattr(stmt.targets[0], "id", None) == question.target:
                question._cache["buggy"] = ast.unparse(stmt.value)
                break
        else:
            raise ValueError(f"the snippet never assigns '{question.target}'")
    return question._cache["buggy"]


def _source(question) -> str:
    """The snippet over the params (`symbolic_snippet`), else as the default variant renders it."""
    return symbolic_snippet(question.snippet) or render_snippet(question.snippet, defaults(question.params))


def grade_fix(question, variant: Variant, key: Key, expression: str) -> GradeResult:
    """Correct when equivalent to the reference; otherwise name the mistake it reproduces."""
    from engine.quiz.mistakes import TransformError, mistake_expression

    where = first_difference(question, expression, question.reference)
    if where is None:
        return GradeResult(score=1, correct=True, feedback=f"Correct: `{expression}` fixes it.", answer_key=key.shown)
    for mistake in question.solution.common_mistakes:
        try:
            wrong = mistake_expression(question.reference, mistake)
        except TransformError:
            continue
        if wrong is not None and agrees_on_screen(question, expression, wrong):
            return _wrong(key, f"`{expression}` is this common mistake: {render(mistake.text, variant.values)}", mistake.id)
    if agrees_on_screen(question, expression, buggy_expression(question)):
        return _wrong(key, "That is the snippet's expression unchanged, bug included.", "unchanged")
    return _wrong(key, _counterexample(question, expression, where))


def _counterexample(question, expression: str, where: dict) -> str:
    got, want = evaluate_on(expression, [where])[0], evaluate_on(question.reference, [where])[0]
    values = ", ".join(f"{n}={where[n]}" for n in question.params)
    got_text = f"an error ({got[1]})" if isinstance(got, tuple) else shown(got)
    return f"`{expression}` is not equivalent to a fix: with {values} it gives {got_text}, not {shown(want)}."


def _wrong(key: Key, feedback: str, mistake_id: str | None = None) -> GradeResult:
    return GradeResult(score=0, correct=False, feedback=feedback, mistake_id=mistake_id, answer_key=key.shown)


TYPE = FixExpression()
