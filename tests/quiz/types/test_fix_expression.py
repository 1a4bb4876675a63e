"""engine/quiz/types/fix_expression.py: fix_expression answers, compared with the reference by sampling."""

import pytest

from engine.quiz.answer_key import variant_for
from engine.quiz.types.fix_expression import SAMPLES, equivalent, samples
from engine.quiz.grading import AnswerFormatError, grade_answer, parse
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


def test_samples_cover_edges_and_respect_types():
    points = samples(q4())
    assert len(points) == SAMPLES
    assert points[1]["model_size"] == 500 and points[2]["model_size"] == 1500
    assert all(isinstance(p["lora_size"], int) for p in points)


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
