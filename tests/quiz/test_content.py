"""Facts the shipped quizzes state, checked against their sources (issue 11, "content that is wrong")."""

from engine.quiz.grading import grade_answer
from tests.quiz_helpers import seed_question, shipped


def test_the_lab_default_rank_is_read_from_the_lab_settings():
    from engine.lab.settings import LabSettings

    question = shipped("hands-on-new-words").question("which-arg-is-rank")
    text = " ".join(question.solution.steps)
    assert f"the lab's default rank is {LabSettings().rank}" in text and "LabSettings.rank" in text


def test_the_seed_keeps_252_and_says_qlora_keeps_the_adapters_in_16_bit():
    question = seed_question("q3-printed-output")
    assert grade_answer(question, "252").correct
    text = " ".join(question.solution.steps) + " ".join(m.text for m in question.solution.common_mistakes)
    assert "the LoRA adapters stay in 16-bit" in text and "eq. 5" in text and "arXiv:2305.14314" in text
    assert "the whole sum is compressed" not in text
    fix = seed_question("q4-fix-precedence")
    assert "adapters stay in 16-bit" in " ".join(fix.solution.steps)
