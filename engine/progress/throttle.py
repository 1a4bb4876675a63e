"""A limit on guesses: wrong instructor passwords and wrong learner codes, per session and per address.

Each key (a session id, a client address) may fail `limit` times within `window_s` seconds;
the next failure locks it for `lockout_s`, doubled at each further lockout up to `max_lockout_s`
(so a guesser gets 5 tries a minute at first, then fewer and fewer). While any of the keys of a
request is locked, `wait` says how many seconds remain and the caller refuses without checking.
A right guess clears nothing: a learner who knows their own code could otherwise reset the
count between wrong guesses at other codes; failures simply age out of the window. This follows OWASP's
Authentication Cheat Sheet ("Login Throttling": count failures per account and per source,
lock out for an increasing time) and NIST SP 800-63B §5.2.2 ("Rate Limiting").

The per-address limit is higher than the per-session one because a classroom often shares one
address (NAT, or a reverse proxy in front of the app, which makes every client one address).

Memory is bounded: at most `max_keys` keys are kept; past that, the ones with the least recent
activity are dropped. Thread-safe (Streamlit runs each session's script in its own thread).
Pure: the clock is injectable, nothing here imports Streamlit.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class _Key:
    failures: deque = field(default_factory=deque)  # monotonic times of recent failures, oldest first
    locked_until: float = 0.0
    lockouts: int = 0  # how many times this key was locked: the next lockout is 2**lockouts longer
    seen: float = 0.0  # last activity, to drop the stalest keys first


class Throttle:
    """Counts failures per key; `wait(*keys)` > 0 means refuse for that many more seconds."""

    def __init__(self, *, limit: int, window_s: float = 600.0, lockout_s: float = 60.0,
                 max_lockout_s: float = 3600.0, max_keys: int = 10_000,
                 clock: Callable[[], float] = time.monotonic):
        if limit < 1 or window_s <= 0 or lockout_s <= 0 or max_lockout_s < lockout_s or max_keys < 1:
            raise ValueError("Throttle needs limit >= 1, window_s > 0, 0 < lockout_s <= max_lockout_s, max_keys >= 1")
        self.limit, self.window_s, self.lockout_s, self.max_lockout_s = limit, window_s, lockout_s, max_lockout_s
        self.max_keys, self.clock = max_keys, clock
        self._keys: dict[str, _Key] = {}
        self._lock = threading.Lock()

    def wait(self, *keys: str) -> int:
        """Whole seconds until every key may try again; 0 when none is locked."""
        now = self.clock()
        with self._lock:
            left = max((self._keys[k].locked_until - now for k in keys if k in self._keys), default=0.0)
        return max(0, math.ceil(left))

    def failed(self, *keys: str) -> int:
        """Record one failure for each key; returns the new wait (0 unless this failure locked a key)."""
        now = self.clock()
        with self._lock:
            for k in keys:
                entry = self._keys.get(k) or self._new(k, now)
                entry.seen = now
                entry.failures.append(now)
                while entry.failures and entry.failures[0] <= now - self.window_s:
                    entry.failures.popleft()
                if len(entry.failures) >= self.limit:
                    entry.locked_until = now + min(self.lockout_s * 2 ** entry.lockouts, self.max_lockout_s)
                    entry.lockouts = min(entry.lockouts + 1, 32)
                    entry.failures.clear()
        return self.wait(*keys)

    def _new(self, key: str, now: float) -> _Key:
        if len(self._keys) >= self.max_keys:
            self._evict(now)
        entry = self._keys[key] = _Key(seen=now)
        return entry

    def _evict(self, now: float) -> None:
        """Drop idle keys (no lockout running, no failure in the window); then, if still full, the stalest
        unlocked ones, so a flood of new keys does not free a locked guesser."""
        idle = [k for k, e in self._keys.items()
                if e.locked_until <= now and (not e.failures or e.failures[-1] <= now - self.window_s)]
        for k in idle:
            del self._keys[k]
        if len(self._keys) >= self.max_keys:
            def keep(k):  # running lockouts last, then the most recently active
                return self._keys[k].locked_until > now, self._keys[k].seen

            for k in sorted(self._keys, key=keep)[:len(self._keys) - self.max_keys + 1]:
                del self._keys[k]

    def __len__(self) -> int:
        return len(self._keys)


SESSION_ENV, ADDRESS_ENV = "LORA_LAB_GUESSES_PER_SESSION", "LORA_LAB_GUESSES_PER_ADDRESS"


class GuessLimit:
    """Wrong guesses allowed per session and per client address (a Throttle each), over 10 minutes."""

    def __init__(self, *, per_session: int = 5, per_address: int = 20, clock: Callable[[], float] = time.monotonic):
        self.session = Throttle(limit=per_session, clock=clock)
        self.address = Throttle(limit=per_address, clock=clock)

    @classmethod
    def from_env(cls) -> GuessLimit:
        """Limits from LORA_LAB_GUESSES_PER_SESSION (default 5) and ..._PER_ADDRESS (default 20)."""
        return cls(per_session=_positive_env(SESSION_ENV, 5), per_address=_positive_env(ADDRESS_ENV, 20))

    def wait(self, session: str, address: str | None) -> int:
        return max(self.session.wait(session), self.address.wait(address) if address else 0)

    def failed(self, session: str, address: str | None) -> int:
        self.session.failed(session)
        if address:
            self.address.failed(address)
        return self.wait(session, address)


def _positive_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"{name} must be a whole number of guesses, 1 or more (the server has {raw!r})")
    return int(raw)


def message(seconds: int) -> str:
    """What the page says while a key is locked."""
    return f"Too many attempts; try again in {seconds} s."
