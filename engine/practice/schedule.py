"""When a question comes back for review: the SM-2 algorithm, one card per question.

Wozniak, P. A. (1990). "Optimization of learning", master's thesis, Poznań University of
Technology; the algorithm as published at https://super-memory.com/english/ol/sm2.htm:

    1. after each review, a quality q from 0 (blackout) to 5 (perfect);
    2. q < 3: start again, interval 1 day (the easiness factor is kept);
    3. q ≥ 3: intervals I(1) = 1 day, I(2) = 6 days, I(n) = I(n-1) · EF;
    4. EF' = EF + (0.1 - (5 - q)(0.08 + (5 - q) 0.02)), never below 1.3; EF starts at 2.5.
    Intervals are capped at 36,500 days (Anki's default maximum interval), since I(n)
    grows geometrically and would overflow a date after some 80 perfect reviews.

A review is one UTC day's attempts at a question (a retry minutes later is the same
review). Quality from what the engine saw that day:
    5  right at the first attempt
    3  right after one or more wrong attempts
    1  never right that day
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.practice.mastery import Attempt

EF_START, EF_MIN = 2.5, 1.3
MAX_INTERVAL_DAYS = 36_500.0  # cap, as Anki's "maximum interval" default: I(n) grows geometrically


@dataclass(frozen=True)
class Card:
    """SM-2 state of one question after its reviews."""

    repetitions: int  # successful reviews in a row
    interval_days: float
    easiness: float
    last_review: datetime
    due: datetime

    def overdue_days(self, now: datetime) -> float:
        return (now - self.due).total_seconds() / 86_400


def quality(day: list[Attempt]) -> int:
    """q of one day's attempts at a question (the table of the module docstring)."""
    if day[0].correct:
        return 5
    return 3 if any(a.correct for a in day) else 1


def review(card: Card | None, q: int, at: datetime) -> Card:
    """The card after one review of quality q (steps 2-4)."""
    reps, interval, ef = (0, 0.0, EF_START) if card is None else (card.repetitions, card.interval_days, card.easiness)
    if q < 3:
        reps, interval = 0, 1.0
    else:
        reps += 1
        interval = 1.0 if reps == 1 else 6.0 if reps == 2 else min(MAX_INTERVAL_DAYS, interval * ef)
    ef = max(EF_MIN, ef + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)))
    return Card(reps, interval, ef, at, at + timedelta(days=interval))


class Deck:
    """SM-2 cards built one attempt at a time (oldest first), so a learner's deck can be
    kept and extended with their new attempts instead of rebuilt."""

    def __init__(self) -> None:
        self._before: dict[str, Card | None] = {}  # question key -> card before its latest review day
        self._day: dict[str, list[Attempt]] = {}  # question key -> attempts of that latest day

    def add(self, attempt: Attempt) -> None:
        key = f"{attempt.quiz_id}/{attempt.question_id}"
        day = self._day.get(key)
        if day and day[0].at.date() == attempt.at.date():
            day.append(attempt)
            return
        if day:
            self._before[key] = review(self._before.get(key), quality(day), day[-1].at)
        self._day[key] = [attempt]

    def cards(self) -> dict[str, Card]:
        return {key: review(self._before.get(key), quality(day), day[-1].at) for key, day in self._day.items()}


def cards(attempts: list[Attempt]) -> dict[str, Card]:
    """question key ("quiz/question") -> its SM-2 card, from attempts oldest first."""
    deck = Deck()
    for attempt in attempts:
        deck.add(attempt)
    return deck.cards()


def due(cards_by_key: dict[str, Card], now: datetime) -> list[tuple[str, Card]]:
    """Questions due for review, most overdue first."""
    ready = [(key, card) for key, card in cards_by_key.items() if card.due <= now]
    return sorted(ready, key=lambda kc: kc[1].due)
