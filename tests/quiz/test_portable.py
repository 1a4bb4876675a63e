"""engine/quiz/portable.py and each type's `portable` hook (engine/quiz/types/): the description an export
carries has the engine's own key, tolerance and mistakes, so an export scores as the app grades."""

from __future__ import annotations

import math

import pytest

from engine.content.loader import load_course
from engine.quiz.answer_key import variant_for
from engine.quiz.types import type_of
from engine.quiz.grading import grade_answer
from engine.quiz.matching import accepted_range
from engine.quiz.precision import precision_of, unit_of
from engine.quiz.portable import Choices, Essay, Number, Text
from tests.quiz_helpers import quiz_from_yaml, shipped


def describe(question, variant, key):
    return type_of(question).portable(question, variant, key)


def shipped_questions(kind: str):
    return [q for quiz in load_course().quizzes.values() for q in quiz.questions if q.type == kind]


PRECISIONS = ["", "decimals: 2", "sig_figs: 3", "abs_tol: 0.005", "rel_tol: 0.001", "rel_tol: 0.5"]


@pytest.mark.parametrize("declared", PRECISIONS)
@pytest.mark.parametrize("key", ["0", "1", "252", "13.0385160446167", "-138.3", "0.000001", "3e12"])
def test_accepted_range_is_exactly_what_the_precision_allows(key, declared):
    question = quiz_from_yaml(f"""
id: p
title: P
questions:
  - id: k
    type: numeric
    prompt: "How much?"
    answer: "{key}"
    {declared}
    solution: {{steps: ["It is."], final_answer: "it"}}
""").questions[0]
    value = float(key)
    allows = precision_of(question).allows
    low, high = accepted_range(value, question)
    assert low <= value <= high
    for edge, outward in ((low, -math.inf), (high, math.inf)):
        assert allows(edge, value) or allows(math.nextafter(edge, value), value)
        assert not allows(math.nextafter(math.nextafter(edge, outward), outward), value)


@pytest.mark.parametrize("question", shipped_questions("numeric"), ids=lambda q: q.id)
def test_a_numbers_range_is_what_the_grader_accepts(question):
    variant, key = variant_for(question, 0)
    item = describe(question, variant, key)
    unit = unit_of(question)
    assert isinstance(item, Number) and item.key == key.value and item.unit == (unit.name if unit else None)
    allows = precision_of(question).allows
    for edge, outward in ((item.low, -math.inf), (item.high, math.inf)):
        inside = edge if allows(edge, key.value) else math.nextafter(edge, key.value)
        assert grade_answer(question, repr(inside)).correct
        assert not grade_answer(question, repr(math.nextafter(math.nextafter(edge, outward), outward))).correct


@pytest.mark.parametrize("question", shipped_questions("numeric") + shipped_questions("worked"), ids=lambda q: q.id)
def test_every_listed_mistake_with_a_value_is_a_slip_whose_range_holds_it(question):
    variant, key = variant_for(question, 0)
    item = describe(question, variant, key)
    listed = [m.id for m in question.solution.common_mistakes if isinstance(key.mistakes.get(m.id), (int, float))]
    assert [s.id for s in item.slips][:len(listed)] == listed  # in the order the grader tries them
    for slip in item.slips:
        assert slip.low <= slip.answer <= slip.high
        assert not item.low <= slip.answer <= item.high  # a slip is never the right answer


def test_a_byte_unit_question_also_names_the_unit_slips():
    question = shipped("where-memory-goes").question("full-finetune-gb")
    item = describe(question, *variant_for(question, 0))
    assert {"bits_for_bytes", "gib_for_gb"} <= {s.id for s in item.slips}
    result = grade_answer(question, repr(next(s.answer for s in item.slips if s.id == "gib_for_gb")))
    assert result.mistake_id == "gib_for_gb"


def test_worked_exports_its_final_result_and_says_step_checking_stays_in_the_app():
    question = shipped("seed").question("q3-worked")
    item = describe(question, *variant_for(question, 0))
    assert isinstance(item, Number) and (item.key, item.unit) == (252, "MB")
    assert "each line of the working is checked" in item.note
    assert item.solution[-1] == "**Final answer:** 252"


def test_code_output_is_the_printed_text_and_its_mistakes_what_they_print():
    question = shipped("seed").question("q3-printed-output")
    item = describe(question, *variant_for(question, 0))
    assert isinstance(item, Text) and item.answers == ("252",) and "print(qlora_model_size)" in item.code
    assert {s.id: s.answer for s in item.slips}["int-forgotten"] == "252.5"
    assert grade_answer(question, "252.5").mistake_id == "int-forgotten"


def test_code_output_that_raises_accepts_the_graders_words_for_an_error():
    quiz = quiz_from_yaml("""
id: err
title: Err
questions:
  - id: raises
    type: code_output
    prompt: "What happens?"
    snippet: |
      x = 1 / 0
      print(x)
    solution: {steps: ["Division by zero."], final_answer: "Error"}
""")
    item = describe(quiz.questions[0], *variant_for(quiz.questions[0], 0))
    assert item.ignore_case and "an error" in item.answers
    assert all(grade_answer(quiz.questions[0], answer).correct for answer in item.answers)


def test_fix_expression_is_an_essay_with_the_reference_as_rubric():
    question = shipped("seed").question("q4-fix-precedence")
    item = describe(question, *variant_for(question, 0))
    assert isinstance(item, Essay) and "(model_size + lora_size) * quantization_factor" in item.rubric
    assert "equivalent" in item.reason


def test_choice_keeps_authored_order_feedback_and_linked_mistakes():
    question = shipped("seed").question("q1-lora-purpose")
    item = describe(question, *variant_for(question, 0))
    assert isinstance(item, Choices) and not item.multiple and item.shuffle is False
    assert [o.correct for o in item.options] == [False, True, False, False]
    assert item.options[0].mistake == "Thinking LoRA replaces the whole model"
    assert item.options[1].mistake is None and "LoRA paper" in item.options[1].feedback
