"""engine/quiz/mistakes.py: each built-in transformation reproduces the slip it is named after."""

import pytest

from engine.quiz.mistakes import TransformError, apply_transform, mistake_expression
from engine.quiz.parts import Mistake
from engine.sandbox import evaluate

ANSWER = "int((model_size + lora_size) * quantization_factor)"
SEED = {"model_size": 1000, "lora_size": 10, "quantization_factor": 0.25}


@pytest.mark.parametrize("transform, target, value", [
    ("int_forgotten", None, 252.5),
    ("round_not_truncate", None, 253),
    ("term_left_out", "lora_size", 250),
    ("term_left_out", "model_size", 2),
    ("precedence", None, 1002),
    ("wrong_operand", "model_size", 260),
    ("wrong_operand", "lora_size", 1002),
    ("bits_for_bytes", None, 2016),
    ("gb_for_gib", None, pytest.approx(252 * 2**30 / 1e9)),
])
def test_seed_q3_slips(transform, target, value):
    assert evaluate(apply_transform(ANSWER, transform, target), dict(SEED)) == value


def test_precedence_turns_the_fix_back_into_the_bug():
    assert apply_transform("(model_size + lora_size) * quantization_factor", "precedence") == "model_size + lora_size * quantization_factor"
    assert apply_transform("r * (d_in + d_out)", "precedence") == "r * d_in + d_out"


def test_a_transform_that_changes_nothing_is_an_error():
    with pytest.raises(TransformError, match="int_forgotten"):
        apply_transform("a + b", "int_forgotten")
    with pytest.raises(TransformError):
        apply_transform("a * b", "precedence")


def test_formula_and_text_only_mistakes():
    assert mistake_expression(ANSWER, Mistake(id="m", text="t", formula="model_size * 2")) == "model_size * 2"
    assert mistake_expression(ANSWER, Mistake(id="m", text="t")) is None
