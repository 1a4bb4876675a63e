"""engine/quiz/validation.py: authored content is checked; every shipped quiz passes."""

import pytest

from engine.content.loader import QUIZ_DIR, load_course, yaml_files
from engine.quiz.validation import equation_errors, validate_quiz
from tests.quiz_helpers import quiz_from_yaml

LESSONS = ["why-lora-qlora", "lora-low-rank-update", "number-formats-quantization", "qlora", "where-memory-goes", "hands-on-new-words"]


def _problems(question_yaml: str) -> list[tuple[str, str]]:
    return validate_quiz(quiz_from_yaml(f"id: t\ntitle: T\nquestions:\n  - {question_yaml}\n"))


def test_all_shipped_quizzes_are_valid_and_cover_the_course():
    course = load_course(lesson_files=[], quiz_files=yaml_files(QUIZ_DIR))
    assert [str(p) for p in course.problems] == []
    for lesson in LESSONS:
        quiz = course.quizzes[lesson]
        assert quiz.lesson == lesson and len(quiz.questions) >= 4
    types = {q.type for quiz in course.quizzes.values() for q in quiz.questions}
    assert types == {"choice", "numeric", "code_output", "fix_expression", "worked"}
    seed = course.quizzes["seed"]
    assert [q.type for q in seed.questions] == ["choice", "choice", "code_output", "worked", "fix_expression", "choice"]


def test_expected_output_must_match():
    problems = _problems("{id: c, type: code_output, prompt: p, snippet: 'print(2 + 2)', expected: '5', solution: {steps: [s], final_answer: f}}")
    assert problems and problems[0][0] == "questions[0].expected" and "'4'" in problems[0][1]


def test_snippet_that_is_refused_is_reported():
    problems = _problems("{id: c, type: code_output, prompt: p, snippet: 'import os', solution: {steps: [s], final_answer: f}}")
    assert problems and problems[0][0].startswith("questions[0]")


def test_mistake_equal_to_the_answer_is_reported():
    problems = _problems("{id: n, type: numeric, prompt: p, answer: 'int(x * 2)', params: {x: {default: 3, min: 1, max: 9}}, "
                         "solution: {steps: [s], final_answer: f, common_mistakes: [{id: m, text: t, transform: int_forgotten}]}}")
    assert any("common_mistakes[0]" in path and "right answer" in msg for path, msg in problems)


def test_transform_that_does_not_apply_is_reported():
    problems = _problems("{id: n, type: numeric, prompt: p, answer: 'x + 1', params: {x: {default: 3, min: 1, max: 9}}, "
                         "solution: {steps: [s], final_answer: f, common_mistakes: [{id: m, text: t, transform: precedence}]}}")
    assert any("does not change" in msg for _, msg in problems)


def test_duplicate_options_unknown_names_and_placeholders():
    problems = _problems("{id: c, type: choice, prompt: 'p {nope}', options: [{text: a, correct: true, feedback: f}, {text: a, feedback: f}], "
                         "solution: {steps: [s], final_answer: f}}")
    paths = [path for path, _ in problems]
    assert "questions[0].options[1].text" in paths and "questions[0].prompt" in paths
    problems = _problems("{id: n, type: numeric, prompt: p, answer: 'y * 2', params: {x: {default: 3, min: 1, max: 9}}, solution: {steps: [s], final_answer: f}}")
    assert problems[0][0] == "questions[0].answer" and "'y'" in problems[0][1]


def test_numbers_in_solution_steps_are_checked():
    problems = _problems("{id: n, type: numeric, prompt: p, answer: 'x * 2', params: {x: {default: 3, min: 1, max: 9}}, "
                         "solution: {steps: ['{x} * 2 = {x * 3}'], final_answer: f}}")
    assert problems and "steps[0]" in problems[0][0] and "is 6" in problems[0][1]
    problems = _problems("{id: n, type: numeric, prompt: p, answer: 'x * 2', params: {x: {default: 37, min: 1, max: 90}}, "
                         "solution: {steps: ['37 * 2 = {x * 2}'], final_answer: f}}")
    assert problems and "{x}" in problems[0][1]


@pytest.mark.parametrize("text, bad", [
    ("lora_model_size = 1000 + 10 = 1010 MB", False),
    ("int(1010 * 0.25) = int(252.5) = 252", False),
    ("1010 * 0.25 = 252.5 -> 252 [OK]", False),
    ("share = 100 * 65536 / 16777216 = 0.39%", False),
    ("2^30 = 1,073,741,824", False),
    ("fp16 = 1 sign + 5 exponent", False),
    ("int(1010 * 0.25) = 253", True),
    ("1000 + 10 = 1100", True),
])
def test_equation_errors(text, bad):
    assert bool(equation_errors(text)) == bad


def test_validate_command_reports_quiz_content_errors_with_line_and_column(tmp_path, capsys):
    from engine.__main__ import main

    path = tmp_path / "bad.yaml"
    path.write_text(
        "id: bad\ntitle: Bad\nquestions:\n"
        "  - id: c\n    type: code_output\n    prompt: p\n    snippet: print(2 + 2)\n    expected: '5'\n"
        "    solution: {steps: ['2 + 2 = 5'], final_answer: f}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "bad.yaml:8:15: questions[0].expected: the snippet prints '4'" in out
    assert "bad.yaml:9:" in out and "2 + 2 is 4" in out


def test_a_quiz_may_share_its_lessons_id_but_not_another_quizzes(tmp_path):
    from engine.content.loader import LESSON_DIR

    course = load_course(lesson_files=yaml_files(LESSON_DIR), quiz_files=yaml_files(QUIZ_DIR))
    assert [str(p) for p in course.problems] == []
    assert course.lesson("qlora") is not None and "qlora" in course.quizzes
    twin = tmp_path / "twin.yaml"
    twin.write_text((QUIZ_DIR / "qlora.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    course = load_course(lesson_files=[], quiz_files=[QUIZ_DIR / "qlora.yaml", twin])
    assert any("duplicate id 'qlora'" in str(p) for p in course.problems)


def test_a_misspelt_reference_name_is_blamed_on_the_reference_not_the_snippet():
    problems = _problems("{id: f, type: fix_expression, prompt: p, snippet: \"a = {a}\\nb = a * 2\\nprint(b)\", target: b, "
                         "reference: 'a * 3 + modl', params: {a: {default: 2, min: 1, max: 5}}, solution: {steps: [s], final_answer: f}}")
    assert problems and problems[0][0] == "questions[0].reference" and "'modl'" in problems[0][1]
    assert not any("NameError" in msg or path.endswith("snippet") for path, msg in problems)


def test_a_transform_target_that_is_not_a_param_is_an_unknown_name():
    problems = _problems("{id: n, type: numeric, prompt: p, answer: 'x + y', params: {x: {default: 3, min: 1, max: 9}, "
                         "y: {default: 1, min: 1, max: 2}}, solution: {steps: [s], final_answer: f, "
                         "common_mistakes: [{id: m, text: t, transform: term_left_out, target: z}]}}")
    assert any(path.endswith("common_mistakes[0].target") and "unknown name 'z'" in msg for path, msg in problems)


def test_formula_mistakes_work_for_loop_snippets_and_transforms_say_what_to_use():
    loop = "\"t = 0\\nfor i in range({n}):\\n    t = t + i\\nprint(t)\""
    base = "{id: c, type: code_output, prompt: p, snippet: " + loop + ", params: {n: {default: 5, min: 3, max: 9}}, "
    assert _problems(base + "solution: {steps: [s], final_answer: f, common_mistakes: [{id: m, text: t, formula: 'n * n'}]}}") == []
    problems = _problems(base + "solution: {steps: [s], final_answer: f, common_mistakes: [{id: m, text: t, transform: precedence}]}}")
    assert problems and "`snippet`" in problems[0][1]


def test_format_precision_is_refused_with_file_and_line(tmp_path, capsys):
    from engine.__main__ import main

    path = tmp_path / "precision.yaml"
    path.write_text("id: p\ntitle: P\nquestions:\n  - id: n\n    type: numeric\n    prompt: 'x is {x:.100000000f}'\n"
                    "    answer: x\n    params: {x: {default: 1, min: 1, max: 3}}\n"
                    "    solution: {steps: [s], final_answer: f}\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "precision.yaml:6:" in out and "100,000,000 digits" in out and "limit is 20" in out


def test_choice_options_link_to_mistakes_that_must_exist():
    problems = "{id: c, type: choice, prompt: p, options: [{text: a, correct: true, feedback: f}, {text: b, feedback: f, mistake: nope}], solution: {steps: [s], final_answer: f}}"
    with pytest.raises(Exception, match="no common mistake has the id 'nope'"):
        _problems(problems)
