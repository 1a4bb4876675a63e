"""engine/quiz/answer_key.py: keys computed from the question, answer expressions, caching."""

from engine.quiz.answer_key import variant_for
from engine.quiz.numbers import number_text
from engine.quiz.snippets import snippet_bindings, snippet_expression
from engine.quiz.types.worked import steps_expression
from engine.quiz.schema import WorkedStep
from tests.quiz_helpers import seed_question

SNIPPET = """model_size = 1000
lora_size = 10
quantization_factor = 0.25
lora_model_size = model_size + lora_size
qlora_model_size = int(lora_model_size * quantization_factor)
print(qlora_model_size)
"""


def test_snippet_inlined_into_one_expression_keeping_param_names():
    params = {"model_size", "lora_size", "quantization_factor"}
    assert snippet_expression(SNIPPET, params) == "int((model_size + lora_size) * quantization_factor)"
    assert snippet_expression("for i in range(3):\n    print(i)", set()) is None


def test_steps_inlined():
    steps = [WorkedStep(name="s", expr="a + b"), WorkedStep(name="q", expr="int(s * f)")]
    assert steps_expression(steps) == "int((a + b) * f)"


def test_bindings_stop_at_the_buggy_line():
    source = "a = 2\nb = a * 3\nc = b + 1\n"
    assert snippet_bindings(source, {"a": 2}, stop_at="c") == {"a": 2, "b": 6}


def test_keys_for_each_arithmetic_type():
    assert variant_for(seed_question("q3-printed-output"), 0)[1].value == 252
    assert variant_for(seed_question("q3-worked"), 0)[1].shown == "252 MB"
    key = variant_for(seed_question("q4-fix-precedence"), 0)[1]
    assert key.value == 246.0 and key.shown == "(model_size + lora_size) * quantization_factor"
    assert key.mistakes["precedence"] == 806.0


def test_variants_are_cached_on_the_question():
    question = seed_question("q3-printed-output")
    assert variant_for(question, 3) is variant_for(question, 3)


def test_number_text():
    assert number_text(10000.0) == "10000" and number_text(13.038516) == "13.0385" and number_text(252) == "252"
