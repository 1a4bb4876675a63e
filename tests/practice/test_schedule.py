"""Forgetting (engine/practice/schedule.py): FSRS per skill, checked against the fsrs package's
own scheduler driven by hand, and the day-as-one-review rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fsrs import Card, Rating, Scheduler

from engine.practice.schedule import SkillMemory
from tests.practice.conftest import NOW


def reviewed(days_and_answers) -> SkillMemory:
    memory = SkillMemory()
    for day, answers in days_and_answers:
        for minute, correct in enumerate(answers):
            memory.add(NOW + timedelta(days=day, minutes=minute), correct)
    return memory


def test_a_skill_answered_right_comes_back_after_2_days_then_13():
    """FSRS-6's defaults with no learning steps (SM-2 brought every question back on days 1, 7 and 23)."""
    memory = reviewed([(0, [True])])
    assert memory.due() == NOW + timedelta(days=2)
    memory.add(memory.due(), True)
    assert (memory.due() - NOW).days == 2 + 11  # the second review, on day 2, sends it 11 days on: day 13


def test_the_same_as_the_fsrs_scheduler_driven_by_hand():
    """Reference: fsrs.Scheduler with the same settings, one review per day, rated Good, Hard, Again."""
    scheduler = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    card = Card(card_id=1, due=NOW)
    for day, rating in ((0, Rating.Good), (3, Rating.Hard), (9, Rating.Again), (10, Rating.Good)):
        card, _ = scheduler.review_card(card, rating, NOW + timedelta(days=day))
    memory = reviewed([(0, [True, True]), (3, [False, True]), (9, [False, False]), (10, [True])])
    assert memory.due() == card.due and memory.stability() == pytest.approx(card.stability)
    later = NOW + timedelta(days=30)
    assert memory.retrievability(later) == pytest.approx(scheduler.get_card_retrievability(card, later))


def test_retrievability_is_whole_on_the_day_and_falls_after():
    memory = reviewed([(0, [True])])
    assert memory.retrievability(NOW + timedelta(hours=3)) == 1.0
    week = [memory.retrievability(NOW + timedelta(days=d)) for d in range(1, 8)]
    assert week == sorted(week, reverse=True) and 0.8 < week[-1] < week[0] < 1.0
    assert memory.retrievability(NOW + timedelta(days=2)) == pytest.approx(0.9, abs=0.01)  # R(S) = 0.9, S = 2.3 days


def test_a_day_is_one_review_rated_by_its_first_answer():
    """Many right answers in one day are one Good review, not several; a wrong first answer makes it Hard."""
    once, many = reviewed([(0, [True])]), reviewed([(0, [True] * 5)])
    assert once.due() == many.due()
    hard, again = reviewed([(0, [False, True])]), reviewed([(0, [False, False])])
    assert again.stability() < hard.stability() < once.stability()


def test_the_first_answer_of_a_new_day_reports_what_was_retained():
    memory = SkillMemory()
    assert memory.add(NOW, True) == 1.0 and memory.add(NOW + timedelta(minutes=5), False) == 1.0
    retained = memory.add(NOW + timedelta(days=4), True)
    expected = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    card, _ = expected.review_card(Card(card_id=1, due=NOW), Rating.Good, NOW)
    assert retained == pytest.approx(expected.get_card_retrievability(card, NOW + timedelta(days=4))) and retained < 1
