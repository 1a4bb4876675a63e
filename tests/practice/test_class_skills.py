"""The class by skill (engine/practice/class_skills.py): hardest first by the share of first tries
right, named mistakes under the skills they reveal, and the last fit beside each skill."""

from __future__ import annotations

from engine.practice.class_skills import skill_rows
from engine.progress.fits import FittedRow
from engine.progress.report import ClassReport, QuestionStat


def test_skills_come_hardest_first_with_their_mistakes_and_fit(catalogue):
    report = ClassReport(questions=[
        QuestionStat("number-formats-quantization", "model-size-gb", attempts=10, learners=10, first_try_correct=0.2,
                     correct=0.4),
        QuestionStat("seed", "q1-lora-purpose", attempts=4, learners=4, first_try_correct=1.0, correct=1.0),
        QuestionStat("why-lora-qlora", "what-lora-changes", attempts=6, learners=6, first_try_correct=0.5,
                     correct=0.5)],
        mistakes=[("bits-for-bytes", 7, 6), ("nobody-knows-this", 2, 2)])
    fitted = FittedRow("skill", "units", p_guess=0.2, evidence=10, learners=10, data_weight=0.5, p_init=0.1,
                       p_learn=0.2, p_slip=0.1, mastered=0.0)
    rows = skill_rows(catalogue, report, [fitted])
    assert [r.skill for r in rows[:2]] in (["units", "size-arithmetic"], ["size-arithmetic", "units"])
    units = next(r for r in rows if r.skill == "units")
    assert units.first_try_right == 0.2 and units.first_tries == 10 and units.mistakes == [("bits-for-bytes", 7)]
    assert units.fitted is fitted
    lora = next(r for r in rows if r.skill == "lora-ideas")
    assert lora.first_try_right == (1.0 * 4 + 0.5 * 6) / 10  # weighted by learners
    assert rows[-1].first_try_right is None and len(rows) == 12  # never answered: last
