"""engine/quiz/variant_checks.py: every variant validated; no variant gives its answer away (issue 11)."""

import subprocess
import sys
import time

from engine.content.loader import QUIZ_DIR, load_course, yaml_files
from engine.quiz.validation import validate_quiz
from engine.quiz.variants import MAX_ENUMERATED, SAMPLED, variant_values
from tests.conftest import ROOT
from tests.quiz_helpers import quiz_from_yaml, shipped


def _one(question_yaml: str):
    return validate_quiz(quiz_from_yaml(f"id: t\ntitle: T\nquestions:\n  - {question_yaml}\n"))


def test_small_spaces_are_enumerated_large_ones_sampled():
    q3 = shipped("seed").question("q3-printed-output")
    values, everything = variant_values(q3)
    assert everything and len(values) == 1 + 81 * 36 * 3 <= MAX_ENUMERATED + 1
    big = quiz_from_yaml("id: t\ntitle: T\nquestions:\n  - {id: b, type: numeric, prompt: p, answer: 'a + b', "
                         "params: {a: {default: 1, min: 1, max: 200}, b: {default: 1, min: 1, max: 200}}, "
                         "solution: {steps: [s], final_answer: f}}\n").questions[0]
    values, everything = variant_values(big)
    assert not everything and len(values) == 1 + SAMPLED


def test_a_mistake_equal_to_the_key_on_any_variant_is_reported_with_its_values():
    problems = _one("{id: n, type: numeric, prompt: p, answer: 'int(x / 2)', params: {x: {default: 3, min: 1, max: 9}}, "
                    "solution: {steps: [s], final_answer: f, common_mistakes: [{id: m, text: t, transform: int_forgotten}]}}")
    assert any("common_mistakes[0]" in path and "gives the right answer" in msg and "x=2" in msg for path, msg in problems)


def test_a_variant_that_shows_its_answer_is_reported():
    # Issue 11, grading 8: a placeholder that computes the printed text.
    problems = _one("{id: c, type: code_output, prompt: 'It prints {100 * a / b:.2f}. What does it print?', "
                    "params: {a: {default: 1, min: 1, max: 3}, b: {default: 8, choices: [8]}}, "
                    "snippet: \"a = {a}\\nb = {b}\\nprint(f'{100 * a / b:.2f}')\", solution: {steps: [s], final_answer: f}}")
    assert any(path == "questions[0].prompt" and "shows the answer" in msg for path, msg in problems)


def test_the_shipped_fstring_question_keeps_its_fstring_on_every_seed():
    from engine.quiz.answer_key import variant_for
    from engine.quiz.variants import render_snippet

    question = shipped("hands-on-new-words").question("trainable-percent-output")
    for seed in range(20):
        variant, key = variant_for(question, seed)
        shown = render_snippet(question.snippet, variant.values)
        assert "{100 * trainable / total:.2f}" in shown and key.shown not in shown


def test_every_variant_of_the_shipped_quizzes_is_valid_and_quick():
    # Not a benchmark (benchmarks/validate_variants.py prints the figures): a guard against a 10x regression.
    quizzes = load_course(lesson_files=[], quiz_files=yaml_files(QUIZ_DIR)).quizzes.values()
    for quiz in quizzes:
        for question in quiz.questions:
            question._cache.clear()
    start = time.process_time()
    assert [p for quiz in quizzes for p in validate_quiz(quiz, every_variant=True)] == []
    assert time.process_time() - start < 30


def test_the_validate_command_checks_every_variant_and_the_app_a_sample(tmp_path):
    path = tmp_path / "rare.yaml"
    path.write_text("id: rare\ntitle: Rare\nquestions:\n  - {id: n, type: numeric, prompt: p, answer: n * 2, "
                    "params: {n: {default: 1, min: 1, max: 5000}}, solution: {steps: [s], final_answer: f, "
                    "common_mistakes: [{id: m, text: t, formula: 'n * 2 if n == 4321 else n'}]}}\n", encoding="utf-8")
    assert [str(p) for p in load_course(lesson_files=[], quiz_files=[path]).problems] == []  # 100 drawn of 5,000
    # A fresh process, as the command runs (the loader's in-process cache holds the app's sampled check).
    run = subprocess.run([sys.executable, "-m", "engine", "validate", str(path)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 1 and "n=4321" in run.stdout, run.stdout[-500:]
