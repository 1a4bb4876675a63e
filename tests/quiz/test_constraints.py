"""engine/quiz/constraints.py: constraints met by every variant, checks on every variant (issue 11)."""

from engine.quiz.answer_key import variant_for
from engine.quiz.checks import check_lines, failed_checks
from engine.quiz.constraints import draw
from engine.quiz.validation import validate_quiz
from tests.quiz_helpers import quiz_from_yaml, shipped

SAVING = """
id: t
title: T
questions:
  - id: s
    type: numeric
    prompt: "full {full} GB, LoRA {lora} GB: saving in percent?"
    params: {full: {default: 1200, choices: [1200, 126, 780, 60]}, lora: {default: 350, choices: [350, 40, 48, 20]}}
    answer: "(full - lora) / full * 100"
    rel_tol: 0.001
    CONSTRAINTS
    checks:
      - "0 < answer < 100"
    solution: {steps: [s], final_answer: f}
"""


def _saving(constraints: str = 'constraints: ["lora < full"]'):
    return quiz_from_yaml(SAVING.replace("CONSTRAINTS", constraints))


def test_every_variant_meets_the_constraints_deterministically():
    question = _saving().questions[0]
    for seed in range(1, 200):
        values = draw(question, seed)
        assert values["lora"] < values["full"]
        assert values == draw(question, seed)
    assert draw(question, 0) == {"full": 1200, "lora": 350}


def test_the_shipped_saving_question_never_draws_a_negative_saving():
    # Issue 11: fix-saving-percent drew full=126 with lora=350, a saving of -177.8 %.
    question = shipped("why-lora-qlora").question("fix-saving-percent")
    for seed in range(1, 300):
        _, key = variant_for(question, seed)
        assert 0 < key.value < 100 and not failed_checks(question, key)


def test_the_well_under_one_percent_check_holds_on_every_variant():
    question = shipped("why-lora-qlora").question("trainable-share-output")
    for seed in range(1, 300):
        assert not failed_checks(question, variant_for(question, seed)[1])


def test_without_the_constraint_validate_names_the_failing_check():
    problems = validate_quiz(_saving(""))
    assert any(path == "questions[0].checks" and "0 < answer < 100" in msg and "lora=" in msg for path, msg in problems)


def test_a_constraint_that_never_holds_or_rarely_holds_is_refused():
    never = validate_quiz(_saving('constraints: ["lora > full * 10"]'))
    assert any("can never hold" in msg for _, msg in never)
    rare = quiz_from_yaml("""
id: t
title: T
questions:
  - {id: r, type: numeric, prompt: p, answer: n, params: {n: {default: 7, min: 1, max: 1000}}, constraints: ["n == 7"],
     solution: {steps: [s], final_answer: f}}
""")
    assert any("drawing one is slow" in msg for _, msg in validate_quiz(rare, every_variant=True))
    assert any("too rarely" in msg for _, msg in validate_quiz(rare))  # the app's loader: a sample of 100


def test_defaults_must_meet_the_constraints():
    problems = validate_quiz(_saving('constraints: ["lora < full / 10"]'))
    assert any("default values" in msg for _, msg in problems)


def test_checks_are_shown_filled_in():
    question = _saving().questions[0]
    variant, key = variant_for(question, 0)
    assert check_lines(question, variant, key) == ["`0 < answer < 100`: 0 < 70.8333 < 100"]
    shipped_q = shipped("why-lora-qlora").question("fix-saving-percent")
    variant, key = variant_for(shipped_q, 0)
    assert check_lines(shipped_q, variant, key) == ["A saving is a percent between 0 and 100: 70.8% ✓"]


def test_unknown_key_constraint_suggests_constraints(tmp_path):
    from engine.content.loader import load_course

    path = tmp_path / "typo.yaml"
    path.write_text(SAVING.replace("CONSTRAINTS", 'constraint: ["lora < full"]'), encoding="utf-8")
    problems = [str(p) for p in load_course(lesson_files=[], quiz_files=[path]).problems]
    assert any("unknown key 'constraint' (did you mean 'constraints'?)" in p for p in problems), problems


def test_a_check_text_with_an_unknown_placeholder_is_reported():
    problems = validate_quiz(_saving().model_copy(update={"questions": [_saving().questions[0].model_copy(
        update={"checks": [_saving().questions[0].checks[0].model_copy(update={"text": "saving {nope:.1f}"})]})]}))
    assert any(path == "questions[0].checks[0].text" and "{nope:.1f}" in msg for path, msg in problems)


def test_preview_shows_the_checks(capsys):
    from engine.__main__ import main

    assert main(["preview", "quizzes/why-lora-qlora.yaml", "--question", "fix-saving-percent"]) == 0
    assert "check: A saving is a percent between 0 and 100: 70.8% ✓" in capsys.readouterr().out
