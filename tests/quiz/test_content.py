"""Facts the shipped quizzes state, checked against their sources (issue 11, "content that is wrong")."""

from engine.quiz.grading import grade_answer
from tests.quiz_helpers import seed_question, shipped


def test_the_lab_default_rank_is_read_from_the_lab_settings():
    from engine.lab.settings import LabSettings

    question = shipped("hands-on-new-words").question("which-arg-is-rank")
    text = " ".join(question.solution.steps)
    assert f"the lab's default rank is {LabSettings().rank}" in text and "LabSettings.rank" in text


def test_the_seed_keeps_252_and_says_qlora_does_not_quantize_the_adapters():
    """16-bit in the QLoRA paper's eq. 5, fp32 by PEFT's default (issue 20; lesson 4 says both)."""
    question = seed_question("q3-printed-output")
    assert grade_answer(question, "252").correct
    text = " ".join(question.solution.steps) + " ".join(m.text for m in question.solution.common_mistakes)
    assert "the LoRA adapters are not quantized: 16-bit in the paper" in text and "fp32 by default in PEFT" in text
    assert "eq. 5" in text and "arXiv:2305.14314" in text
    assert "the whole sum is compressed" not in text
    fix = " ".join(seed_question("q4-fix-precedence").solution.steps)
    assert "the LoRA adapters are not quantized (16-bit in" in fix and "fp32 by default in PEFT" in fix
