"""Content checks of a quiz that need evaluation (`python -m engine validate` runs them).

For every question:
1. names: answer, formulas, steps, references, constraints and transform targets use
   only the params (and the snippet's or earlier steps' names); placeholders in the
   prompt, options and solution evaluate, with a format precision of at most
   MAX_PRECISION digits;
2. snippets run, and an author's `expected` output equals what they print (on the
   default variant and `SEEDS` drawn ones, with the checks of 4 and 5);
3. each common mistake can be computed (for fix_expression: an expression not
   equivalent to the reference); a mistake `snippet` only on code_output;
4. choice options render to distinct texts;
5. numbers in the solution: every `a = b` written between arithmetic (after the
   placeholders are filled) must hold, e.g. "int(1010 * 0.25) = 252"; and in a
   question with params, a step may not hard-code a param's default value
   (write `{model_size}`), or it would be wrong for every other variant. This
   applies to computing steps (those with a placeholder); a step without any
   states a fixed fact, such as a paper's own figures, and is left alone;
6. every variant (engine/quiz/variant_checks.py): constraints can be met, the key
   computes, mistakes differ from it, checks hold, no text gives the answer away, and the
   solution's own final answer is graded right (each type says how it reads it).
   `python -m engine validate` checks every variant (`checking_every_variant()`); the
   app's loader, which runs on a page view, checks the same on up to APP_VARIANTS of them,
   and the final answer on the default variant and SEEDS drawn ones.
Returns (key path, message) pairs; the loader adds file:line:col.
"""

from __future__ import annotations

import contextlib
import contextvars
import re

from engine.quiz.answer_key import variant_for
from engine.quiz.mistakes import TransformError, mistake_expression
from engine.quiz.types import type_of
from engine.quiz.variant_checks import check_variants
from engine.quiz.variants import Variant, defaults, format_problem, placeholders, render

SEEDS = 12  # drawn variants whose solution text is checked, besides the default one
APP_VARIANTS = 100  # variants the app's loader checks per question (validate: all, or 1,000 drawn)
_EVERY_VARIANT = contextvars.ContextVar("every_variant", default=False)


@contextlib.contextmanager
def checking_every_variant():
    """Within this block, validate_quiz checks every variant (as `python -m engine validate` does)."""
    token = _EVERY_VARIANT.set(True)
    try:
        yield
    finally:
        _EVERY_VARIANT.reset(token)
_ARITH = r"(?:(?:int|round|abs|min|max)\(|\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?|\*\*|[-+*/%()^]|\s)+"
_TAIL = re.compile(rf"(?<![\w.]){_ARITH}$")  # not the 16 of "fp16"
_HEAD = re.compile(rf"^{_ARITH}")


def checking_every_variant_now() -> bool:
    """True inside `checking_every_variant()`: caches of validation results key on it."""
    return _EVERY_VARIANT.get()


def validate_quiz(quiz, *, every_variant: bool | None = None) -> list[tuple[str, str]]:
    """Content problems of a quiz; `every_variant` None follows `checking_every_variant()`."""
    thorough = _EVERY_VARIANT.get() if every_variant is None else every_variant
    problems: list[tuple[str, str]] = []
    for index, question in enumerate(quiz.questions):
        where = f"questions[{index}]"
        try:
            checked = _check(question, thorough)
            problems += [(f"{where}.{path}" if path else where, message) for path, message in checked]
        except Exception as exc:  # a check that crashes is itself a content error, never a traceback
            problems.append((where, f"cannot be checked: {type(exc).__name__}: {exc}"))
    return problems


def _check(question, thorough: bool):
    from engine.sandbox import SnippetError

    names = list(_names(question))
    yield from names
    yield from _texts(question)
    yield from type_of(question).check_solution(question)
    if names:
        return  # an unknown name would only fail again below, blaming the wrong field
    try:
        _, key = variant_for(question, 0)
    except (SnippetError, ValueError, ArithmeticError) as exc:
        yield _field(question), f"the default variant cannot be computed: {exc}"
        return
    yield from _mistakes(question, key)
    for seed in [0] + list(range(1, SEEDS + 1)) if question.params else [0]:
        try:
            variant, key = variant_for(question, seed)
        except (SnippetError, ValueError, ArithmeticError) as exc:
            yield _field(question), f"variant {seed} fails: {exc}"
            return
        problems = list(_per_variant(question, variant, key))
        if problems:
            yield from ((p, f"{m} (variant seed {seed}: {_values(variant)})") for p, m in problems)
            return
    yield from check_variants(question) if thorough else check_variants(question, limit=APP_VARIANTS)


def _field(question) -> str:
    return type_of(question).field


def _values(variant: Variant) -> str:
    return ", ".join(f"{k}={v}" for k, v in variant.values.items()) or "no params"


def _names(question):
    """Expressions may only use the params, builtins and names defined before them."""
    from engine.sandbox import SnippetError, names_used

    kind = type_of(question)
    params = set(question.params)
    checks = [(f"constraints[{j}]", c, params) for j, c in enumerate(question.constraints)]
    for item in kind.names(question):
        if len(item) == 2:  # the type cannot tell its names: that is the problem to report
            yield item
            return
        checks.append(item)
    formula_names, targets = kind.mistake_names(question), kind.target_names(question)
    for j, mistake in enumerate(question.solution.common_mistakes):
        if mistake.formula:
            checks.append((f"solution.common_mistakes[{j}].formula", mistake.formula, formula_names))
        if mistake.target and mistake.target not in targets:
            known = ", ".join(sorted(targets)) or "no names"
            yield (f"solution.common_mistakes[{j}].target",
                   f"unknown name '{mistake.target}': a target is a name in the answer ({known})")
    for path, expression, known in checks:
        try:
            unknown = sorted(names_used(expression) - known)
        except SnippetError as exc:
            yield path, f"'{expression}' is refused by the safe evaluator: {exc}"
            continue
        if unknown:
            yield path, f"'{unknown[0]}' is not defined here (known: {', '.join(sorted(known)) or 'nothing'})"


def _texts(question):
    """Placeholders in prompt and solution must be expressions over the params."""
    from engine.quiz.variants import defaults, fill_placeholder

    values = defaults(question.params)
    texts = [("prompt", question.prompt), ("solution.final_answer", question.solution.final_answer)]
    texts += [(f"solution.steps[{j}]", step) for j, step in enumerate(question.solution.steps)]
    if question.solution.quick_check:
        texts.append(("solution.quick_check", question.solution.quick_check))
    kind_texts = type_of(question).texts(question)
    texts += [t for t in kind_texts if t[0] != "snippet"]
    texts += [(f"checks[{j}].text", check.text) for j, check in enumerate(question.checks) if check.text]
    texts += [t for t in kind_texts if t[0] == "snippet"]
    for path, text in texts:
        for inner in placeholders(text):
            if format_problem(inner):
                yield path, format_problem(inner)
            elif path != "snippet" and not path.startswith("checks") and fill_placeholder(
                    inner, {**values, "answer": 1} if path.startswith("solution") else values) is None:
                yield path, f"placeholder '{{{inner}}}' is not an expression over the params (write {{{{ and }}}} for braces)"
        if question.params and path.startswith("solution") and placeholders(text):
            yield from _hard_coded(question, path, text)


def _hard_coded(question, path: str, text: str):
    bare = re.sub(r"\{[^{}]*\}", " ", text)  # outside placeholders
    written = {float(n.replace(",", "")) for n in re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w.])", bare)}
    for name, param in question.params.items():
        varies = param.choices is None and param.min != param.max or param.choices and len(set(param.choices)) > 1
        if varies and float(param.default) in written and param.default not in (0, 1, 2):
            yield path, f"the number {param.default} is {name}'s default; write {{{name}}} so the step is right for every variant"


def _per_variant(question, variant: Variant, key):
    yield from type_of(question).check_variant(question, variant, key)
    for message in type_of(question).final_answer_problems(question, variant, key):
        yield "solution.final_answer", message
    for path, text in _solution_texts(question):
        for message in equation_errors(render(text, variant.values)):
            yield path, message


def _mistakes(question, key):
    kind = type_of(question)
    for j, mistake in enumerate(question.solution.common_mistakes):
        path = f"solution.common_mistakes[{j}]"
        if mistake.snippet:
            yield from kind.check_mistake_snippet(question, path, mistake)
            continue
        if not kind.mistake_recipes or not (mistake.formula or mistake.transform):
            continue
        if mistake.transform and not key.expression:
            yield path, ("a transform rewrites the answer expression, and this snippet has none (it has loops or "
                         "ifs); give the mistake as a `snippet` (the program as the slip writes it) or a `formula`")
            continue
        try:
            wrong = mistake_expression(key.expression, mistake) if mistake.transform else mistake.formula
        except TransformError as exc:
            yield path, str(exc)
            continue
        yield from kind.check_mistake(question, key, path, mistake, wrong)


def _solution_texts(question):
    yield from ((f"solution.steps[{j}]", s) for j, s in enumerate(question.solution.steps))
    yield "solution.final_answer", question.solution.final_answer
    if question.solution.quick_check:
        yield "solution.quick_check", question.solution.quick_check


def equation_errors(text: str) -> list[str]:
    """`... 1010 * 0.25 = 252.5 ...`: each `=` between arithmetic must hold (decimals may round)."""
    from engine.sandbox import SnippetError, evaluate

    errors = []
    chunks = re.split(r"(?<![=<>!])=(?!=)", text)
    for left, right in zip(chunks, chunks[1:]):
        tail, head = _TAIL.search(left), _HEAD.search(right)
        if not tail or not head:
            continue
        a_text, b_text = _balanced(tail.group(0)), _balanced(head.group(0))
        if not re.search(r"\d", a_text) or not re.search(r"\d", b_text):
            continue
        try:
            a = evaluate(_python(a_text), {})
            b = evaluate(_python(b_text), {})
        except SnippetError:
            continue
        if _numbers(a, b) and not _agree(a, b, b_text):
            errors.append(f"the text says {a_text} = {b_text}, but {a_text} is {a}")
    return errors


def _numbers(*values) -> bool:
    return all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)


def _python(text: str) -> str:
    """Prose arithmetic as Python: '1,010' -> '1010', '2^30' -> '2**30'."""
    return text.replace(",", "").replace("^", "**")


def _balanced(text: str) -> str:
    """Trim spaces and unmatched outer parentheses: '(int(252.5) ' -> 'int(252.5)'."""
    text = text.strip().rstrip("+-*/% ").strip()
    while text.count("(") > text.count(")") and "(" in text:
        text = text[text.index("(") + 1:].strip() if text.startswith("(") else text[: text.rindex("(")].strip()
    while text.count(")") > text.count("(") and text.endswith(")"):
        text = text[:-1].strip()
    return text


def _agree(a: float, b: float, written: str) -> bool:
    from engine.quiz.matching import isclose

    if isclose(a, b, rel_tol=1e-9, abs_tol=1e-12):
        return True
    places = re.search(r"\.(\d+)\s*$", written)
    return bool(places) and isclose(round(a, len(places.group(1))), b, rel_tol=1e-12)
