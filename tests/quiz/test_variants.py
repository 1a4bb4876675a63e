"""engine/quiz/variants.py: stable seeds, draws within ranges, rendering, shuffles; the redraw rule."""

import random
import subprocess
import sys

from engine.quiz.answer_key import variant_for
from engine.quiz.schema import Param
from engine.quiz.variants import draw_values, option_order, redraw, render, variant_seed
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
    rng = random.Random(1)
    for _ in range(200):
        values = draw_values(params, rng)
        assert isinstance(values["n"], int) and 5 <= values["n"] <= 40
        assert 0.1 <= values["f"] <= 0.5 and round(values["f"], 1) == values["f"]  # no 0.30000000000000004
        assert values["c"] in (2, 4, 8)


def test_redraw_avoids_collisions_and_seed_zero_is_defaults():
    params = {"n": Param(default=4, min=1, max=10)}
    assert redraw(params, 0, lambda v: True) == {"n": 4}
    for seed in range(1, 50):
        assert redraw(params, seed, lambda v: v["n"] % 2 == 0)["n"] % 2 == 1


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


def test_no_drawn_variant_has_an_answer_equal_to_a_mistake():
    question = seed_question("q3-printed-output")
    for seed in range(1, 60):
        _, key = variant_for(question, seed)
        assert all(wrong != key.value for wrong in key.mistakes.values())


def test_has_variants_tells_fixed_questions_from_varying_ones():
    from engine.content.loader import load_course
    from engine.quiz.variants import has_variants

    seed = load_course().quizzes["seed"]
    by_type = {q.type: q for q in seed.questions}
    assert not has_variants(seed.questions[0])  # seed Q1: fixed options, no params
    assert has_variants(by_type["code_output"])  # seed Q3: model_size etc. have ranges
