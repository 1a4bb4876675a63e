"""engine/quiz/grading.py: parse → grade for choice, numeric and code_output, and the seed's done-when checks."""

import json

import pytest

from engine.quiz.answer_key import variant_for
from engine.quiz.grading import AnswerFormatError, GradeResult, grade, grade_answer, parse
from tests.quiz_helpers import quiz_from_yaml, seed_question, shipped


def q3():
    return seed_question("q3-printed-output")


# ---------------------------------------------------------------- done when: seed question 3

def test_q3_252_is_correct():
    result = grade_answer(q3(), "252")
    assert (result.correct, result.score, result.mistake_id) == (True, 1, None)


@pytest.mark.parametrize("answer, mistake, words", [
    ("252.5", "int-forgotten", "truncates"),
    ("253", "rounding", "Rounding instead of truncating"),
    ("250", "lora-size-left-out", "lora_size"),
    ("260", "multiplied-before-adding", "Multiplying before adding"),
    ("202", "factor-0-2", "0.2 instead of 0.25"),
])
def test_q3_wrong_numbers_name_the_mistake(answer, mistake, words):
    result = grade_answer(q3(), answer)
    assert not result.correct and result.score == 0
    assert result.mistake_id == mistake
    assert words in result.feedback


@pytest.mark.parametrize("raw", ["twelve", "12 apples", "", "   "])
def test_q3_unreadable_answers_are_format_errors(raw):
    with pytest.raises(AnswerFormatError):
        parse(q3(), raw)


def test_q3_other_variant_has_its_own_key_and_mistakes():
    variant, key = variant_for(q3(), 5)
    v = variant.values
    right = int((v["model_size"] + v["lora_size"]) * v["quantization_factor"])
    assert key.value == right
    assert grade_answer(q3(), str(right), seed=5).correct
    assert grade_answer(q3(), str(int(v["model_size"] * v["quantization_factor"])), seed=5).mistake_id == "lora-size-left-out"
    assert not grade_answer(q3(), "252", seed=5).correct


def test_result_serialises_to_json():
    result = grade_answer(q3(), "253")
    data = json.loads(result.model_dump_json())
    assert data["mistake_id"] == "rounding" and data["score"] == 0
    assert GradeResult.model_validate(data) == result


# ---------------------------------------------------------------- code_output

def _output_quiz(snippet: str, expected: str | None = None, extra: str = ""):
    extra += f", expected: {json.dumps(expected)}" if expected else ""
    return quiz_from_yaml(f"""
id: t
title: T
questions:
  - {{id: c, type: code_output, prompt: p, snippet: {json.dumps(snippet)}{extra}, solution: {{steps: [s], final_answer: f}}}}
""").questions[0]


def test_error_is_the_key_when_the_snippet_raises():
    question = _output_quiz("x = 1 / 0\nprint(x)")
    assert grade_answer(question, "Error").correct
    assert not grade_answer(question, "0").correct


def test_text_output_compared_exactly_with_hints():
    question = _output_quiz('print("r =", 8)')
    assert grade_answer(question, "r = 8").correct
    assert "upper and lower case" in grade_answer(question, "R = 8").feedback
    assert not grade_answer(question, "Error").correct


def test_float_output_must_be_what_python_prints():
    question = _output_quiz("print(0.1 + 0.2)")  # 0.30000000000000004 in CPython
    assert grade_answer(question, "0.30000000000000004").correct
    result = grade_answer(question, "0.3")
    assert not result.correct and "floating-point" in result.feedback



# ---------------------------------------------------------------- choice

def test_single_choice_and_per_option_feedback():
    question = seed_question("q1-lora-purpose")
    assert grade_answer(question, "B").correct
    wrong = grade_answer(question, "a")
    assert not wrong.correct and "frozen" in wrong.feedback
    with pytest.raises(AnswerFormatError, match="one option"):
        parse(question, "A, B")
    with pytest.raises(AnswerFormatError, match="letters"):
        parse(question, "E")


def test_multiple_choice_partial_credit():
    question = shipped("why-lora-qlora").question("what-lora-changes")
    variant, key = variant_for(question, 0)
    assert key.shown == "A, B"
    assert grade(question, variant, parse(question, "A B")).score == 1
    assert grade(question, variant, parse(question, "A")).score == 0.5
    assert grade(question, variant, parse(question, "A C")).score == 0  # one right, one wrong
    assert grade(question, variant, parse(question, "A B C")).score == 0.5


def test_shuffled_letters_follow_the_variant():
    question = shipped("lora-low-rank-update").question("lora-init")
    for seed in range(1, 8):
        variant, key = variant_for(question, seed)
        assert grade(question, variant, parse(question, key.shown)).correct


# ---------------------------------------------------------------- numeric

def test_numeric_units_converted_and_slips_named():
    question = shipped("number-formats-quantization").question("model-size-gib")
    assert grade_answer(question, "13.04").correct  # 13.0385 GiB within rel_tol 0.001
    assert grade_answer(question, "14 GB").correct  # converted to GiB
    assert grade_answer(question, "14").mistake_id == "gb-for-gib"
    assert grade_answer(question, "104.31").mistake_id == "bits_for_bytes"  # built-in unit slip
    with pytest.raises(AnswerFormatError, match="params"):
        parse(question, "14 params")


def test_integer_answers_are_exact_by_default():
    question = shipped("lora-low-rank-update").question("lora-param-count")
    assert grade_answer(question, "65536").correct
    assert not grade_answer(question, "65537").correct  # PrairieLearn's 1% default would accept it
    assert grade_answer(question, "36864").mistake_id == "precedence"


# ---------------------------------------------------------------- properties over variants

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=2**62))
def test_every_variant_grades_its_own_key_right_and_each_mistake_as_itself(seed):
    question = q3()
    variant, key = variant_for(question, seed)
    v = variant.values
    assert key.value == int((v["model_size"] + v["lora_size"]) * v["quantization_factor"])  # the snippet's own arithmetic
    assert grade_answer(question, str(key.value), seed=seed).correct
    for mistake_id, wrong in key.mistakes.items():
        result = grade_answer(question, repr(wrong), seed=seed)
        same_value = {other for other, value in key.mistakes.items() if value == wrong}  # the first listed is named
        assert not result.correct and result.mistake_id in same_value and mistake_id in same_value


HOSTILE = ["9**9**9", "__import__('os').system('true')", "(" * 500 + "1" + ")" * 500, "x" * 1999, "1e999999",
           "model_size ** 9999999", "[1] * 10**9", "lambda: 1", "1; 2", "a = b = c = 9**9**9", "\x00", "🙂", "-" * 1500 + "1"]


@pytest.mark.parametrize("quiz_id, question_id", [
    ("seed", "q1-lora-purpose"), ("seed", "q3-printed-output"), ("seed", "q3-worked"), ("seed", "q4-fix-precedence"),
    ("lora-low-rank-update", "lora-param-count"), ("hands-on-new-words", "trainable-percent-output"),
])
def test_hostile_answers_are_format_errors_or_wrong_never_a_crash(quiz_id, question_id):
    import time

    question = shipped(quiz_id).question(question_id)
    for raw in HOSTILE + ["x" * 5000]:
        start = time.perf_counter()
        try:
            result = grade_answer(question, raw)
        except AnswerFormatError as exc:
            assert str(exc)
        else:
            assert not result.correct
        assert time.perf_counter() - start < 2, raw[:40]


def test_a_wrong_option_linked_to_a_mistake_names_and_counts_it():
    question = quiz_from_yaml("""
id: t
title: T
questions:
  - id: c
    type: choice
    shuffle: false
    prompt: p
    options:
      - {text: right, correct: true, feedback: yes}
      - {text: replaces the model, feedback: no, mistake: replaces-model}
      - {text: other, feedback: no}
    solution: {steps: [s], final_answer: f, common_mistakes: [{id: replaces-model, text: Thinking LoRA replaces the model}]}
""").questions[0]
    result = grade_answer(question, "B")
    assert result.mistake_id == "replaces-model" and "Thinking LoRA replaces the model" in result.feedback
    assert grade_answer(question, "C").mistake_id is None and grade_answer(question, "A").correct


def test_the_seed_choice_questions_link_their_mistakes():
    result = grade_answer(seed_question("q1-lora-purpose"), "A")
    assert result.mistake_id == "replaces-model"
