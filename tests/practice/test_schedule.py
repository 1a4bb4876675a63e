"""SM-2 (engine/practice/schedule.py) against the published algorithm, worked by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.practice.schedule import EF_MIN, MAX_INTERVAL_DAYS, cards, due, quality, review
from tests.practice.conftest import NOW, attempt

KEY = "seed/q3-printed-output"


def test_intervals_1_6_then_times_the_easiness():
    card = review(None, 5, NOW)
    assert (card.repetitions, card.interval_days, card.easiness) == (1, 1.0, pytest.approx(2.6))
    card = review(card, 5, NOW)
    assert (card.interval_days, card.easiness) == (6.0, pytest.approx(2.7))
    card = review(card, 4, NOW)  # q = 4: EF unchanged (0.1 - 1 * (0.08 + 0.02) = 0)
    assert card.interval_days == pytest.approx(6 * 2.7) and card.easiness == pytest.approx(2.7)
    assert card.due == NOW + timedelta(days=6 * 2.7)


def test_a_failed_review_starts_again_and_easiness_never_drops_below_1_3():
    card = review(review(None, 5, NOW), 5, NOW)
    for _ in range(10):
        card = review(card, 1, NOW)
    assert (card.repetitions, card.interval_days, card.easiness) == (0, 1.0, EF_MIN)


def test_a_day_of_attempts_is_one_review_and_due_questions_come_most_overdue_first():
    history = [attempt(1, KEY, False, days_ago=10), attempt(2, KEY, True, days_ago=10),  # q = 3
               attempt(3, "seed/q1-lora-purpose", True, days_ago=3)]  # q = 5
    assert quality(history[:2]) == 3 and quality(history[2:]) == 5
    found = cards(history)
    assert found[KEY].repetitions == 1 and found[KEY].interval_days == 1.0
    assert [key for key, _ in due(found, NOW)] == [KEY, "seed/q1-lora-purpose"]
    assert due(found, NOW - timedelta(days=20)) == []


def test_the_interval_is_capped_so_a_long_run_of_perfect_reviews_never_overflows():
    card = None
    for day in range(300):
        card = review(card, 5, NOW + timedelta(days=day))
    assert card.interval_days == MAX_INTERVAL_DAYS
