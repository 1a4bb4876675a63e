"""Questions bound to a lab run's figures (engine/practice/lab_questions.py): the run's own
numbers in the prompt, graded and diagnosed like any question; broken files reported."""

from __future__ import annotations

from engine.practice.lab_questions import LAB_QUESTIONS_FILE, for_run, load_lab_questions
from engine.quiz.answer_key import variant_for
from engine.quiz.grading import grade, parse
from engine.quiz.variants import render

RUN = {"qlora": {"trainable_params": 278528, "total_params": 3426560, "adapter_bytes": 1121288},
       "full": {"trainable_params": 3148032, "total_params": 3148032, "adapter_bytes": None}}


def test_the_shipped_file_loads_and_validates():
    lab, problems = load_lab_questions()
    assert problems == [] and len(lab.questions) >= 2


def test_a_question_carries_the_runs_numbers_and_is_graded_and_diagnosed():
    lab, _ = load_lab_questions()
    method, question = for_run(lab.questions[0], RUN)
    assert method == "qlora"
    variant, _ = variant_for(question, 987654321)  # any seed: the figures are pinned
    assert "278,528 of the 3,426,560 parameters PEFT counts" in render(question.prompt, variant.values)
    assert grade(question, variant, parse(question, "8.13", variant)).correct  # 100 * 278528 / 3426560 = 8.128
    wrong = grade(question, variant, parse(question, "0.08", variant))
    assert not wrong.correct and wrong.mistake_id == "no-percent"


def test_adapter_bytes_in_mib_and_a_run_without_the_figure_is_skipped():
    lab, _ = load_lab_questions()
    entry = next(e for e in lab.questions if "adapter" in e.bind)
    _, question = for_run(entry, RUN)
    variant, _ = variant_for(question, 3)
    assert grade(question, variant, parse(question, "1.07 MiB", variant)).correct  # 1121288 / 2**20 = 1.0693
    wrong = grade(question, variant, parse(question, "1.12", variant))
    assert wrong.mistake_id == "mb-for-mib"
    assert for_run(entry, {"full": RUN["full"]}) is None  # full fine-tuning has no adapter file


def test_a_bind_to_an_unknown_figure_or_param_is_reported(tmp_path):
    path = tmp_path / "lab-run.yaml"
    text = LAB_QUESTIONS_FILE.read_text()
    path.write_text(text.replace("total: total_params}", "total: total_paramz}", 1))
    lab, problems = load_lab_questions(path)
    assert lab is None and any("total_paramz" in str(p) or "bind" in p.path for p in problems)
    path.write_text(text.replace("{trainable: trainable_params, total: total_params}",
                                 "{trainable: trainable_params, totl: total_params}", 1))
    lab, problems = load_lab_questions(path)
    assert lab is None and any("totl" in p.message for p in problems)
