"""Answers given before signing in, held until the learner signs in, then stored as theirs.

    Pending.add(guest, attempt)   keep one graded attempt (the keyword arguments of Store.record_attempt)
    Pending.count(guest)          how many are waiting
    Pending.attach(guest, store, learner_id) -> how many were stored for that learner

A guest is a random id the browser keeps in a cookie (ui/components/browser_session.py), so
answers survive a reload and the round trip to an identity provider (st.login leaves the app and
comes back in a new session). They live in this server's memory only: a restart or another
replica loses them, and they are dropped after `ttl_s`. Memory is bounded: `max_guests` guests
(the stalest dropped first) of `max_answers` answers each (later ones are not kept). Thread-safe:
Streamlit runs each session's script in its own thread. Pure: the clock is injectable.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Guest:
    answers: list[dict] = field(default_factory=list)
    seen: float = 0.0


class Pending:
    def __init__(self, *, max_guests: int = 5_000, max_answers: int = 200, ttl_s: float = 86_400,
                 clock: Callable[[], float] = time.monotonic):
        self.max_guests, self.max_answers, self.ttl_s, self._clock = max_guests, max_answers, ttl_s, clock
        self._guests: OrderedDict[str, _Guest] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def add(self, guest: str, attempt: dict) -> bool:
        """Keep `attempt` for `guest`; False when this guest already has `max_answers` waiting."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            held = self._guests.pop(guest, None) or _Guest()
            held.seen = now
            self._guests[guest] = held
            while len(self._guests) > self.max_guests:
                self._guests.popitem(last=False)
            if len(held.answers) >= self.max_answers:
                return False
            held.answers.append(dict(attempt))
            return True

    def count(self, guest: str | None) -> int:
        with self._lock:
            self._expire(self._clock())
            held = self._guests.get(guest or "")
            return len(held.answers) if held else 0

    def take(self, guest: str) -> list[dict]:
        """Remove and return the guest's answers, oldest first."""
        with self._lock:
            self._expire(self._clock())
            held = self._guests.pop(guest, None)
            return held.answers if held else []

    def attach(self, guest: str, store, learner_id: int) -> int:
        """Store the guest's answers as `learner_id`'s attempts, in the order given; returns how many.
        An answer the store refuses (ValueError) is dropped; when the database fails (StoreError, a
        RuntimeError) the answers not yet stored are kept for the next try, and the error is raised."""
        answers, stored = self.take(guest), 0
        for done, attempt in enumerate(answers):
            try:
                store.record_attempt(learner_id, **attempt)
            except ValueError:
                continue
            except RuntimeError:
                for rest in answers[done:]:
                    self.add(guest, rest)
                raise
            stored += 1
        return stored

    def _expire(self, now: float) -> None:
        while self._guests:
            guest, held = next(iter(self._guests.items()))
            if now - held.seen <= self.ttl_s:
                break
            del self._guests[guest]
