"""Every variant of every shipped question (quizzes/*.yaml and practice/lab-run.yaml), graded (issue 17, item 6).

On each variant that meets the constraints (all of them when there are at most MAX_VARIANTS,
else SAMPLED seeded draws; a choice question's variants are its option orders):
1. the key written in several equivalent forms is right: as the question shows it, without
   its unit, with thousands separators and in e-notation, in another unit, as the solution's
   own final answer, as a working (worked), reworded (fix_expression, choice);
2. each common mistake's value (or option, or expression) is named as that mistake;
3. a value off by more than the precision is wrong, with a score below 1.
The counts (variants x forms) are printed at the end of the run (tests/quiz/conftest.py).
"""

from __future__ import annotations

import ast
import itertools

import pytest

from engine.content.loader import QUIZ_DIR, load_course, yaml_files
from engine.practice.lab_questions import load_lab_questions
from engine.quiz.answer_key import compute_key, solution_values
from engine.quiz.constraints import unmet
from engine.quiz.grading import grade, parse
from engine.quiz.mistakes import TransformError, mistake_expression
from engine.quiz.precision import precision_of, unit_of
from engine.quiz.numbers import with_unit
from engine.quiz.types import type_of
from engine.quiz.units import convert, find_unit
from engine.quiz.variants import variant_values
from engine.quiz.variants import Variant, render
from tests.quiz.conftest import COUNTS

MAX_VARIANTS = 20_000  # enumerated in full up to this many (the seed's fix question has 18,584)
SAMPLED = 1_000  # seeded draws for a larger space (two lab-run questions)


def _questions():
    course = load_course(lesson_files=[], quiz_files=yaml_files(QUIZ_DIR))
    assert not course.problems
    found = [(quiz.id, q) for quiz in course.quizzes.values() for q in quiz.questions]
    lab, problems = load_lab_questions()
    assert not problems
    return found + [(lab.id, entry.question) for entry in lab.questions]


QUESTIONS = _questions()


def variants(question) -> list[Variant]:
    kind = type_of(question)
    if not question.params and kind.shuffled(question):  # a choice question: every order it can show
        pinned = [o.pinned for o in question.options]
        free = [i for i, p in enumerate(pinned) if not p]
        orders = []
        for perm in itertools.permutations(free):
            slots = iter(perm)
            orders.append(tuple(i if pinned[i] else next(slots) for i in range(len(pinned))))
        return [Variant(seed=-1, values={}, order=order) for order in orders]
    values, _ = variant_values(question, limit=MAX_VARIANTS, sample=SAMPLED)
    unique = {tuple(v.items()): v for v in values if not unmet(question, v)}
    return [Variant(seed=-1, values=v, order=kind.order(question, 0)) for v in unique.values()]


@pytest.mark.parametrize("quiz_id, question", QUESTIONS, ids=[f"{z}/{q.id}" for z, q in QUESTIONS])
def test_every_variant_grades_the_key_right_each_mistake_as_itself_and_a_miss_wrong(quiz_id, question):
    forms = 0
    shown = variants(question)
    for variant in shown:
        key = compute_key(question, variant)
        right, named, off = FORMS[question.type](question, variant, key)
        for raw in right:
            result = _grade(question, variant, key, raw)
            assert result.correct and result.score == 1, (variant.values, raw, result.feedback)
        for raw, ids in named:
            result = _grade(question, variant, key, raw)
            assert not result.correct and result.score < 1 and result.mistake_id in ids, (variant.values, raw, result)
        for raw in off:
            result = _grade(question, variant, key, raw)
            assert not result.correct and result.score < 1, (variant.values, raw, result.feedback)
        forms += len(right) + len(named) + len(off)
    COUNTS[f"{quiz_id}/{question.id}"] = (len(shown), forms)


def _grade(question, variant, key, raw):
    return grade(question, variant, parse(question, raw, variant, key), key)


# ---------------------------------------------------------------- numbers: numeric and worked

def _number_forms(question, key) -> list[str]:
    """The key as a learner may write it: shown, plain, grouped, e-notation, in another unit."""
    asked, precision = unit_of(question), precision_of(question)
    value = key.value
    plain = precision.written(value) if not precision.exact else repr(value)
    forms = [key.shown, plain, f"≈ {with_unit(plain, asked)}", f"{float(value):.12e}"]
    if abs(value) >= 1000 and float(value).is_integer():
        forms += [f"{int(value):,}", f"{int(value):,}".replace(",", " ")]
    if asked is not None and asked.dimension == "bytes":
        for other in ("MB", "KiB", "bytes"):
            forms.append(f"{convert(value, asked, find_unit(other))!r} {other}")
    if asked is not None and asked.name == "%":
        forms.append(f"{plain} percent")
    return forms


def _off(question, value) -> list:
    margin = precision_of(question).margin(value)
    step = max(3 * margin, abs(value) * 1e-6, 1 if isinstance(value, int) else 0)
    return [value + step, value - step]


def _mistakes(question, key, precision_allows) -> list[tuple[object, set]]:
    """(wrong value, the mistake ids it may be named as): values the key's precision tells apart."""
    values = {m.id: key.mistakes[m.id] for m in question.solution.common_mistakes
              if isinstance(key.mistakes.get(m.id), (int, float))}
    out = []
    for mistake_id, wrong in values.items():
        if precision_allows(wrong, key.value):
            continue
        same = {other for other, v in values.items() if precision_allows(v, wrong) or precision_allows(wrong, v)}
        out.append((wrong, same))
    return out


def numeric_forms(question, variant, key):
    precision = precision_of(question)
    right = _number_forms(question, key) + [render(question.solution.final_answer, variant.values)]
    named = [(repr(wrong), ids) for wrong, ids in _mistakes(question, key, precision.allows)]
    return right, named, [repr(v) for v in _off(question, key.value)]


def worked_forms(question, variant, key):
    lines, env = [], dict(variant.values)
    from engine.sandbox import evaluate

    for step in question.steps:
        env[step.name or "_"] = value = evaluate(step.expr, dict(env))
        lines.append(f"{step.name} = {_with_values(step.expr, variant.values)} = {value!r}" if step.name else
                     f"{_with_values(step.expr, variant.values)} = {value!r}")
    head = lines[:-1]
    asked = unit_of(question)
    right = ["\n".join(lines), "\n".join(head + [f"{lines[-1].rsplit(' = ', 1)[0]} = {key.shown}"])]
    if asked is not None and asked.dimension == "bytes":
        right.append("\n".join(head + [f"{lines[-1].rsplit(' = ', 1)[0]} = {convert(key.value, asked, find_unit('MB'))!r} MB"]))
    working = lines[-1].rsplit(" = ", 1)[0]
    named = [("\n".join(head + [f"{working} = {wrong!r}"]), ids)
             for wrong, ids in _mistakes(question, key, precision_of(question).allows)]
    off = ["\n".join(head + [f"{working} = {v!r}"]) for v in _off(question, key.value)]
    return right, named, off


def _with_values(expression: str, values: dict) -> str:
    class Fill(ast.NodeTransformer):
        def visit_Name(self, node):
            return ast.Constant(values[node.id]) if node.id in values else node

    return ast.unparse(Fill().visit(ast.parse(expression, mode="eval")))


# ---------------------------------------------------------------- code_output, fix_expression, choice

def code_output_forms(question, variant, key):
    final = render(question.solution.final_answer, variant.values)
    right = [key.shown, f"  {key.shown}  ", f"`{key.shown}`"] + ([final] if any(c.isdigit() for c in final) else [])
    if key.value == "Error":
        right += ["an error", "ZeroDivisionError"]
    named = [(str(wrong), {m for m, v in key.mistakes.items() if str(v) == str(wrong)})
             for wrong in key.mistakes.values() if str(wrong) != key.shown]
    off = [repr(key.value + 1)] if isinstance(key.value, (int, float)) else ["something else"]
    return right, named, off


def fix_expression_forms(question, variant, key):
    reference = question.reference
    tree = ast.parse(reference, mode="eval")
    if isinstance(tree.body, ast.BinOp) and isinstance(tree.body.op, (ast.Add, ast.Mult)):
        tree.body.left, tree.body.right = tree.body.right, tree.body.left  # b * a for a * b
    right = [reference, f"{question.target} = {reference}", ast.unparse(tree)]
    named = []
    for mistake in question.solution.common_mistakes:
        try:
            wrong = mistake_expression(reference, mistake)
        except TransformError:
            continue
        if wrong is not None:
            named.append((wrong, {mistake.id} | _same_mistakes(question, wrong)))
    return right, named, [f"({reference}) + 1", f"({reference}) * 3"]


def _same_mistakes(question, expression):
    from engine.quiz.types.fix_space import agrees_on_screen

    ids = set()
    for mistake in question.solution.common_mistakes:
        other = mistake_expression(question.reference, mistake)
        if other is not None and agrees_on_screen(question, expression, other):
            ids.add(mistake.id)
    return ids


def choice_forms(question, variant, key):
    letters = key.shown.split(", ")
    right = [key.shown, " ".join(letters), " and ".join(letters).lower(), str(solution_values(question, variant)["answer"])]
    order = variant.order or tuple(range(len(question.options)))
    named, off = [], []
    for position, authored in enumerate(order):
        option = question.options[authored]
        if option.mistake:
            named.append((chr(65 + position), {option.mistake}))
        elif not option.correct:
            off.append(chr(65 + position))
    return right if question.multiple else right[:2], named, off


FORMS = {"numeric": numeric_forms, "worked": worked_forms, "code_output": code_output_forms,
         "fix_expression": fix_expression_forms, "choice": choice_forms}


def test_every_question_type_is_covered():
    assert {q.type for _, q in QUESTIONS} == set(FORMS)
