"""Forgetting: how likely a skill is still remembered, and when it is due back. FSRS, per skill.

FSRS-6 (Ye, Su & Cao 2022, "A stochastic shortest path algorithm for optimizing spaced
repetition scheduling", KDD '22; the `fsrs` package of Open Spaced Repetition, its default
parameters) keeps a memory state per card, stability S in days and difficulty D, and gives

    retrievability  R(t) = (1 + F · t / S) ** -decay      t: whole days since the last review
                    (R(S) = 0.9: S is the interval after which recall drops to 90%)
    next review     when R falls to the desired retention, 0.9

Here a card is a skill, not a question: every question of a skill, in a fresh variant,
reviews it. A review is one UTC day's evidence about the skill (a second answer minutes
later is part of the same review), rated from what the engine saw that day:

    Good   the day's first answer about the skill was right
    Hard   it was wrong, and a later one that day was right
    Again  none was right that day

With no learning steps (practice is spread over days, not minutes) a skill answered right
once comes back after 2 days, then 13 (FSRS-6 defaults; SM-2's 1, 7, 23 sent 74 reviews of
37 questions in a first week). Fuzzing is off, so the same attempts always give the same
schedule. engine/practice/mastery.py multiplies P(known) by R: a skill not practised for a
while is less likely known, and a review earns its slot by the knowledge it restores.

FSRS's defaults are the forgetting of the many learners its authors fitted them to, and they
let each day a skill is practised strengthen its memory. Once the class's own attempts tell
how fast it forgets (engine/practice/fit.py's F, a share lost per day), mastery uses that
instead, and FSRS stays the forgetting of a class too new or too brief to tell.
"""

from __future__ import annotations

from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler

SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
CARD_ID = 1  # fsrs.Card sleeps 1 ms to invent an id when given none; ours are never compared


class SkillMemory:
    """One skill's FSRS card, built one piece of evidence at a time (oldest first). The day
    being answered stays open until evidence from a later day closes it into the card."""

    __slots__ = ("card", "day", "first_at", "first", "any_right")

    def __init__(self) -> None:
        self.card: Card | None = None  # after every closed day
        self.day = -1  # proleptic ordinal of the open day (UTC); -1: none yet
        self.first_at: datetime | None = None
        self.first = self.any_right = False

    def add(self, at: datetime, correct: bool) -> float:
        """Record one answer; returns R at `at` before it (1.0 within a day already open)."""
        day = at.toordinal()
        if day == self.day:
            self.any_right = self.any_right or correct
            return 1.0
        retained = 1.0
        if self.first_at is not None:
            self.card = self._closed()
            retained = SCHEDULER.get_card_retrievability(self.card, _utc(at))
        self.day, self.first_at, self.first, self.any_right = day, at, correct, correct
        return retained

    def _closed(self) -> Card:
        """The card after the open day's review."""
        rating = Rating.Good if self.first else Rating.Hard if self.any_right else Rating.Again
        card = self.card or Card(card_id=CARD_ID, due=_utc(self.first_at))
        return SCHEDULER.review_card(card, rating, _utc(self.first_at))[0]

    def retrievability(self, now: datetime) -> float:
        """R now: 1.0 until the skill's first answer, and on the day of the latest one."""
        if self.first_at is None or now.toordinal() <= self.day:
            return 1.0
        return SCHEDULER.get_card_retrievability(self._closed(), _utc(now))

    def due(self) -> datetime | None:
        """When R falls to the desired retention (0.9); None before any answer."""
        return self._closed().due if self.first_at is not None else None

    def stability(self) -> float | None:
        return self._closed().stability if self.first_at is not None else None


def _utc(moment: datetime) -> datetime:
    """fsrs accepts only datetime.timezone.utc itself as the zone."""
    return moment if moment.tzinfo is timezone.utc else moment.astimezone(timezone.utc)
