"""engine/quiz/variants.py: stable seeds, draws within ranges and stable under edits, rendering, shuffles."""

import subprocess
import sys

from engine.quiz.answer_key import variant_for
from engine.quiz.parts import Param
from engine.quiz.variants import draw_values, option_order, render, render_snippet, variant_seed
from tests.conftest import ROOT
from tests.quiz_helpers import seed_question


def test_seed_is_stable_across_processes():
    # Python's hash() is salted per process; the variant seed must not be.
    code = "from engine.quiz.variants import variant_seed; print(variant_seed('ada', 'seed/q3'))"
    runs = {subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True).stdout for _ in range(2)}
    assert runs == {f"{variant_seed('ada', 'seed/q3')}\n"}


def test_seed_depends_on_learner_question_and_round():
    seeds = {variant_seed(l, q, r) for l in ("ada", "bob") for q in ("q1", "q2") for r in (0, 1)}
    assert len(seeds) == 8 and 0 not in seeds
    assert variant_seed("ada", "q1", 0, fixed_first=True) == 0
    assert variant_seed("ada", "q1", 1, fixed_first=True) != 0


def test_draws_stay_in_range_and_type():
    params = {"n": Param(default=10, min=5, max=40), "f": Param(default=0.3, min=0.1, max=0.5, step=0.1),
              "c": Param(default=2, choices=[2, 4, 8])}
    for seed in range(1, 201):
        values = draw_values(params, seed)
        assert isinstance(values["n"], int) and 5 <= values["n"] <= 40
        assert 0.1 <= values["f"] <= 0.5 and round(values["f"], 1) == values["f"]  # no 0.30000000000000004
        assert values["c"] in (2, 4, 8)


def test_a_params_value_does_not_move_when_another_param_is_added_or_the_text_changes():
    two = {"n": Param(default=4, min=1, max=100), "f": Param(default=2, choices=[2, 4, 8])}
    three = {**two, "new": Param(default=1, min=1, max=9)}
    for seed in range(1, 30):
        drawn, grown = draw_values(two, seed), draw_values(three, seed)
        assert drawn == {k: grown[k] for k in two}


def test_editing_a_mistake_or_the_text_keeps_every_learners_variant():
    question = seed_question("q3-printed-output")
    edited = question.model_copy(update={"prompt": "What does it print?", "solution": question.solution.model_copy(
        update={"common_mistakes": question.solution.common_mistakes[:1]})})
    for seed in range(1, 40):
        assert variant_for(question, seed)[0].values == variant_for(edited, seed)[0].values


def test_render_placeholders_expressions_formats_and_escapes():
    values = {"model_size": 1000, "lora_size": 10, "q": 0.25}
    assert render("{model_size} + {lora_size} = {model_size + lora_size}", values) == "1000 + 10 = 1010"
    assert render("{q * 100:g}% and {(model_size + lora_size) * q:.1f}", values) == "25% and 252.5"
    assert render("f'{other}' {{model_size}}", values) == "f'{other}' {model_size}"


def test_option_order_shuffles_with_seed_but_keeps_pinned():
    pinned = [False, False, False, True]
    assert option_order(4, pinned, 0, True) == (0, 1, 2, 3)
    orders = {option_order(4, pinned, seed, True) for seed in range(1, 40)}
    assert len(orders) > 1 and all(order[3] == 3 for order in orders)
    assert option_order(4, pinned, 7, False) == (0, 1, 2, 3)


def test_same_learner_same_variant_and_seed_zero_shows_the_seed_numbers():
    question = seed_question("q3-printed-output")
    assert variant_for(question, 0)[0].values == {"model_size": 1000, "lora_size": 10, "quantization_factor": 0.25}
    seed = variant_seed("ada", "seed/q3-printed-output", 1)
    assert variant_for(question, seed) == variant_for(question, seed)


def test_fstrings_in_snippets_are_python_not_placeholders():
    snippet = 'a = {a}\nb = {b}  # {a + b} in all\nprint(f"share: {100 * a / b:.2f}")\n'
    assert render_snippet(snippet, {"a": 1, "b": 4}) == 'a = 1\nb = 4  # 5 in all\nprint(f"share: {100 * a / b:.2f}")\n'
    assert render_snippet("x = {a}\nprint(F'{x}' + f\"\"\"{a}\"\"\")", {"a": 3}) == "x = 3\nprint(F'{x}' + f\"\"\"{a}\"\"\")"


def test_format_precision_is_capped_when_rendering():
    from engine.quiz.variants import MAX_PRECISION, format_problem

    assert render("{x:.100000000f}", {"x": 1}) == "1." + "0" * MAX_PRECISION
    assert "100,000,000 digits" in format_problem("x:.100000000f") and format_problem("x:.2f") is None


def test_no_drawn_variant_has_an_answer_equal_to_a_mistake():
    question = seed_question("q3-printed-output")
    for seed in range(1, 60):
        _, key = variant_for(question, seed)
        assert all(wrong != key.value for wrong in key.mistakes.values())


def test_has_variants_tells_fixed_questions_from_varying_ones():
    from engine.content.loader import load_course
    from engine.quiz.answer_key import has_variants

    seed = load_course().quizzes["seed"]
    by_type = {q.type: q for q in seed.questions}
    assert not has_variants(seed.questions[0])  # seed Q1: fixed options, no params
    assert has_variants(by_type["code_output"])  # seed Q3: model_size etc. have ranges
