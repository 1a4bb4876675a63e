"""engine/quiz/types/fix_expression.py: fix_expression answers, compared with the reference by sampling."""

import pytest

from engine.quiz.answer_key import variant_for
from engine.quiz.types.fix_space import ENUMERATED, equivalent, space, symbolically_equal
from engine.quiz.grading import AnswerFormatError, grade, grade_answer, parse
from tests.quiz_helpers import seed_question, shipped


def q4():
    return seed_question("q4-fix-precedence")


def test_q4_fix_is_correct():
    result = grade_answer(q4(), "(model_size + lora_size) * quantization_factor")
    assert result.correct and result.score == 1


@pytest.mark.parametrize("answer", [
    "model_size * quantization_factor + lora_size * quantization_factor",
    "(lora_size + model_size) * quantization_factor",
    "qlora_model_size = (model_size + lora_size) * quantization_factor",  # the whole line typed
])
def test_equivalent_forms_are_correct(answer):
    assert grade_answer(q4(), answer).correct


def test_q4_unchanged_expression_is_the_precedence_mistake():
    result = grade_answer(q4(), "model_size + lora_size * quantization_factor")
    assert not result.correct and result.mistake_id == "precedence"
    assert "precedence" in result.feedback


def test_q4_hard_coded_number_is_refused_with_the_reason():
    with pytest.raises(AnswerFormatError, match="hard-coded") as info:
        parse(q4(), "246")
    assert "model_size" in str(info.value)
    with pytest.raises(AnswerFormatError, match="quantization_factor"):
        parse(q4(), "(model_size + lora_size) * 0.3")


def test_only_the_snippets_names_are_allowed():
    with pytest.raises(AnswerFormatError, match="'size'"):
        parse(q4(), "(size + lora_size) * quantization_factor")
    with pytest.raises(AnswerFormatError, match="not a Python expression"):
        parse(q4(), "(model_size + ")
    with pytest.raises(AnswerFormatError):
        parse(q4(), "__import__('os')")


def test_other_wrong_answers_get_a_counterexample_or_the_named_mistake():
    assert grade_answer(q4(), "model_size * quantization_factor + lora_size").mistake_id == "base-only-compressed"
    result = grade_answer(q4(), "model_size + lora_size")
    assert not result.correct and result.mistake_id is None and "gives" in result.feedback


def test_the_space_is_every_variant_meeting_the_constraints():
    points = space(q4())
    assert len(points) == 101 * 46 * 4 <= ENUMERATED  # model_size 500..1500 by 10, lora_size 5..50, 4 factors
    assert points[0] == {"model_size": 800, "lora_size": 20, "quantization_factor": 0.3}  # the defaults first
    assert all(isinstance(p["lora_size"], int) for p in points)
    saving = shipped("why-lora-qlora").question("fix-saving-percent")
    assert all(p["lora_gb"] < p["full_gb"] for p in space(saving))  # full_gb=126, lora_gb=350 is never drawn


def test_a_fix_right_on_every_variant_the_constraints_allow_is_right():
    # Issue 17: abs() was refused "with full_gb=126, lora_gb=350", a pair the constraint excludes.
    question = shipped("why-lora-qlora").question("fix-saving-percent")
    assert grade_answer(question, "abs(full_gb - lora_gb) / full_gb * 100").correct
    result = grade_answer(question, "(full_gb - lora_gb) / lora_gb * 100")
    assert not result.correct and "full_gb=" in result.feedback
    where = dict(pair.split("=") for pair in result.feedback.split("with ")[1].split(" it gives")[0].split(", "))
    assert float(where["lora_gb"]) < float(where["full_gb"])  # the counterexample is a variant a learner can draw


SPACE_27 = """
id: t
title: T
questions:
  - id: f
    type: fix_expression
    prompt: p
    params: {a: {default: 1, choices: [1, 2, 3]}, b: {default: 1, choices: [1, 2, 3]}, c: {default: 1, choices: [1, 2, 3]}}
    snippet: "a = {a}\\nb = {b}\\nc = {c}\\ntotal = a + b * c\\nprint(total)"
    target: total
    reference: "(a + b) * c"
    solution: {steps: [s], final_answer: f}
"""


def test_a_wrong_fix_that_differs_on_one_of_27_variants_is_wrong():
    from tests.quiz_helpers import quiz_from_yaml

    question = quiz_from_yaml(SPACE_27).questions[0]
    assert len(space(question)) == 27
    sly = "(a + b) * c + (a == 2 and b == 3 and c == 2)"
    result = grade_answer(question, sly)
    assert not result.correct and "a=2, b=3, c=2" in result.feedback


N_GPUS = """
id: t
title: T
questions:
  - id: f
    type: fix_expression
    prompt: p
    params: {base: {default: 14, choices: [14, 26]}, adapters: {default: 0.25, choices: [0.25, 0.5]},
             n_gpus: {default: 2, choices: [2, 4]}}
    snippet: "base = {base}\\nadapters = {adapters}\\nn_gpus = {n_gpus}\\ntotal = round(base + adapters * n_gpus, 2)\\nprint(total)"
    target: total
    reference: "round((base + adapters) * n_gpus, 2)"
    solution: {steps: [s], final_answer: f}
"""


def test_a_literal_is_hard_coded_only_when_it_stands_in_for_a_name_across_variants():
    # Issue 17: the 2 of round(..., 2) was refused where n_gpus is 2 and accepted where it is 4.
    from tests.quiz_helpers import quiz_from_yaml

    question = quiz_from_yaml(N_GPUS).questions[0]
    for seed in range(0, 16):
        variant, key = variant_for(question, seed)
        assert grade(question, variant, parse(question, "round((base + adapters) * n_gpus, 2)", variant)).correct
        if variant.values["n_gpus"] == 2:
            with pytest.raises(AnswerFormatError, match="value of n_gpus"):
                parse(question, "round((base + adapters) * 2, 2)", variant)


def test_arithmetic_fixes_are_proved_symbolically():
    assert symbolically_equal(q4(), "model_size * quantization_factor + quantization_factor * lora_size",
                              "(model_size + lora_size) * quantization_factor")
    assert not symbolically_equal(q4(), "int(model_size)", "model_size")  # not arithmetic: decided on every variant


@pytest.mark.parametrize("typed, hint", [("(model_size + lora_size) × quantization_factor", "`\\*`"),
                                         ("model_size ^ 2", "XOR")])
def test_maths_signs_that_are_not_python_get_a_hint(typed, hint):
    with pytest.raises(AnswerFormatError, match=hint):
        parse(q4(), typed)


def test_float_noise_is_not_a_difference_but_int_truncation_is():
    assert equivalent("(model_size + lora_size) * quantization_factor",
                      "model_size * quantization_factor + lora_size * quantization_factor", q4())
    assert not equivalent("(model_size + lora_size) * quantization_factor",
                          "int((model_size + lora_size) * quantization_factor)", q4())


def test_a_literal_of_the_formula_itself_is_allowed_even_if_it_equals_a_value():
    question = shipped("number-formats-quantization").question("fix-size-gb")
    for seed in range(0, 12):
        variant, _ = variant_for(question, seed)
        assert parse(question, "n_params * bits / (8 * 10**9)", variant)


@pytest.mark.parametrize("raw", ["qlora_model_size=(model_size+lora_size)*quantization_factor",
                                 "`(model_size + lora_size) * quantization_factor`",
                                 "quantization_factor * (lora_size + model_size)",
                                 "model_size = 800\nqlora_model_size = (model_size + lora_size) * quantization_factor\nprint(qlora_model_size)"])
def test_a_fix_as_people_type_it(raw):
    assert grade_answer(q4(), raw).correct
