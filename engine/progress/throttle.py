"""Limits on guesses (wrong instructor passwords, wrong learner codes) and on new learners, counted in
the progress database per session, per client address and for the whole server.

    Limit(store, kind, free={"session": 5, "address": 20, "server": 50})
      .claim(keys)    0 when an attempt may be checked now (its turn is taken); else seconds to wait
      .count(keys)    one event: a wrong guess, or a learner made
      .attempt(keys, check)   wait for the turn, run `check`, count it if it failed
    client_address(peer, forwarded, trusted)   who the client is, believing X-Forwarded-For only
                                              from the proxies the operator named

Each key may have `free` events within `window_s` (10 minutes). Past that, its attempts are
paced, not refused: after a wrong one, the next is checked only an interval later, which starts
at `pace_s` and doubles with each further event up to `max_pace_s` (MAX_PACE_S: a minute for the
instructor password, 4 s for learner codes, which a whole class types through the same keys).
An attempt waits for its turn and is then checked, so the right secret always gets in, at worst
one interval late, and hands the turn on at once; a guesser, however many sessions or tabs they
open, gets one answer per interval per key, and the server key bounds every guesser together.
Lockouts that refuse every attempt for a while would refuse the real instructor, or a whole
class behind one address, whenever someone else guessed wrong (issue 21).
This follows NIST SP 800-63B §5.2.2 (rate limiting; "requiring the claimant to wait following a
failed attempt for a period of time that increases") and OWASP's Authentication Cheat Sheet
("Login Throttling"), which warns that lockouts let an attacker lock real users out.

A right guess clears nothing: a learner who knows their own code could otherwise reset the count
between wrong guesses at other codes; events age out of the window. The counters live in the
database, so a reload, a restart or another app replica does not reset them; a key is stored as
its SHA-256, so no session id or address is kept. Idle rows are deleted after a day.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import os
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import delete, insert, select, text, update

from engine.progress.store import Store
from engine.progress.tables import limits

SCOPES = ("session", "address", "server")
IDLE_S = 86_400.0  # a row with no activity for a day is deleted: its strikes are forgotten


class Limit:
    """Paced attempts of one kind (see the module docstring); `keys` maps a scope to its key."""

    def __init__(self, store: Store, kind: str, *, free: dict[str, int], window_s: float = 600.0,
                 pace_s: float = 1.0, max_pace_s: float = 60.0, clock: Callable[[], float] = time.time):
        if any(scope not in SCOPES or n < 1 for scope, n in free.items()):
            raise ValueError(f"free events are counted per {', '.join(SCOPES)}, 1 or more each: {free!r}")
        if window_s <= 0 or not 0 < pace_s <= max_pace_s:
            raise ValueError("Limit needs window_s > 0 and 0 < pace_s <= max_pace_s")
        self.store, self.kind, self.free, self.clock = store, kind, dict(free), clock
        self.window_s, self.pace_s, self.max_pace_s = window_s, pace_s, max_pace_s

    def claim(self, keys: dict[str, str | None]) -> float:
        """0 when an attempt may be checked now, taking the turn of every paced key (so two sessions
        waiting on one key are checked one after the other); else the seconds until the turn comes."""
        now = self.clock()
        with self._tx("check a limit") as conn:
            rows = self._rows(conn, keys)
            left = max((row.next_at - now for row in rows), default=0.0)
            if left > 0:
                return left
            for row in rows:
                if self._paced(row, now):
                    conn.execute(update(limits).where(*self._where(row.scope, row.key))
                                 .values(next_at=now + self._interval(row.strikes), seen_at=now))
        return 0.0

    def count(self, keys: dict[str, str | None]) -> None:
        """One event for every key: past a key's free ones, its next attempt waits an interval."""
        now = self.clock()
        with self._tx("count an attempt") as conn:
            found = {row.scope: row for row in self._rows(conn, keys)}
            for scope, key in self._hashed(keys).items():
                row = found.get(scope)
                fresh = row is None or now - row.window_start >= self.window_s  # a new window starts
                values = dict(count=1 if fresh else row.count + 1, window_start=now if fresh else row.window_start,
                              strikes=row.strikes if row else 0, next_at=row.next_at if row else 0.0, seen_at=now)
                if values["count"] >= self.free[scope]:  # past the free ones: the next attempt waits
                    values["next_at"] = max(values["next_at"], now + self._interval(values["strikes"]))
                    values["strikes"] += 1
                if row is None:
                    conn.execute(insert(limits).values(kind=self.kind, scope=scope, key=key, **values))
                else:
                    conn.execute(update(limits).where(*self._where(scope, key)).values(**values))
            conn.execute(delete(limits).where(limits.c.seen_at < now - IDLE_S, limits.c.next_at < now))

    def attempt(self, keys: dict[str, str | None], check: Callable[[], bool], *, max_wait_s: float = 120.0,
                sleep: Callable[[float], None] = time.sleep,
                on_wait: Callable[[float], None] | None = None) -> bool | None:
        """Wait for the turn, then `check()`: its result (a False is counted), or None when no turn
        came within `max_wait_s` (others were guessing from the same key all that time). A right
        answer hands the turn on at once, so people who know their secret do not slow each other;
        only wrong ones space the checks."""
        deadline = self.clock() + max_wait_s
        while (left := self.claim(keys)) > 0:
            if self.clock() >= deadline:
                return None
            if on_wait:
                on_wait(left)
            sleep(min(left, 1.0))
        ok = bool(check())
        if ok:
            self._hand_on(keys)
        else:
            self.count(keys)
        return ok

    # ---- inside ---------------------------------------------------------------------
    def _hand_on(self, keys: dict[str, str | None]) -> None:
        """End the turn that claim() took: the next attempt of these keys may be checked now."""
        now = self.clock()
        with self._tx("end a turn") as conn:
            for row in self._rows(conn, keys):
                if row.next_at > now:
                    conn.execute(update(limits).where(*self._where(row.scope, row.key)).values(next_at=now))

    @contextmanager
    def _tx(self, doing: str) -> Iterator:
        """A write transaction that holds this kind's counters alone: SQLite's BEGIN IMMEDIATE already
        serialises writers; on PostgreSQL an advisory lock per kind does (two first events of one key
        would otherwise both insert it)."""
        with self.store._tx(doing, write=True) as conn:
            if not self.store.is_sqlite:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(self.kind.encode())})
            yield conn

    def _interval(self, strikes: int) -> float:
        return min(self.pace_s * 2 ** min(max(strikes, 0), 32), self.max_pace_s)

    def _paced(self, row, now: float) -> bool:
        return now - row.window_start < self.window_s and row.count >= self.free[row.scope]

    def _hashed(self, keys: dict[str, str | None]) -> dict[str, str]:
        """scope -> SHA-256 of its key, for the scopes this limit counts and whose key is known."""
        return {scope: hashlib.sha256(f"{self.kind}\0{scope}\0{key}".encode()).hexdigest()
                for scope, key in keys.items() if scope in self.free and key}

    def _where(self, scope: str, key: str) -> tuple:
        return limits.c.kind == self.kind, limits.c.scope == scope, limits.c.key == key

    def _rows(self, conn, keys: dict[str, str | None]) -> list:
        hashed = self._hashed(keys)
        if not hashed:
            return []
        rows = conn.execute(select(limits).where(limits.c.kind == self.kind, limits.c.key.in_(hashed.values()))).all()
        return [row for row in rows if hashed.get(row.scope) == row.key]


GUESS_ENV = {"session": ("LORA_LAB_GUESSES_PER_SESSION", 5), "address": ("LORA_LAB_GUESSES_PER_ADDRESS", 20),
             "server": ("LORA_LAB_GUESSES_PER_SERVER", 50)}
# A class behind one address (NAT, a proxy) makes its learners within minutes: the address allows a class.
NEW_LEARNER_ENV = {"session": ("LORA_LAB_NEW_LEARNERS_PER_SESSION", 3),
                   "address": ("LORA_LAB_NEW_LEARNERS_PER_ADDRESS", 60)}


# The longest wait between two checks of one key, seconds. The instructor password guards one
# account, which a slow pace protects best. Learner codes guard a whole class, which signs in
# through the same address and server keys, so their pace stays short enough for thirty learners
# to get in one after another while someone guesses; 39.6 bits of random code need no more: at
# one guess per 4 s, a year finds one of 1,000 codes with a chance of about 1%.
MAX_PACE_S = {"instructor password": 60.0, "learner code": 4.0}


def guess_limit(store: Store, kind: str) -> Limit:
    """Wrong guesses of one kind of secret ("learner code", "instructor password"), free per 10 minutes:
    5 per session, 20 per address, 50 on the server (LORA_LAB_GUESSES_PER_SESSION, _ADDRESS, _SERVER);
    then paced up to MAX_PACE_S."""
    return Limit(store, kind, free=_free_from_env(GUESS_ENV), max_pace_s=MAX_PACE_S.get(kind, 60.0))


def new_learner_limit(store: Store) -> Limit:
    """Learners made per 10 minutes before the next one waits: 3 per session, 60 per address
    (LORA_LAB_NEW_LEARNERS_PER_SESSION, LORA_LAB_NEW_LEARNERS_PER_ADDRESS)."""
    return Limit(store, "new learner", free=_free_from_env(NEW_LEARNER_ENV))


def _free_from_env(settings: dict[str, tuple[str, int]]) -> dict[str, int]:
    free = {}
    for scope, (name, default) in settings.items():
        raw = os.environ.get(name, "").strip()
        if raw and (not raw.isdigit() or int(raw) < 1):
            raise ValueError(f"{name} must be a whole number, 1 or more (the server has {raw!r})")
        free[scope] = int(raw) if raw else default
    return free


def message(seconds: float) -> str:
    """What the page says while an attempt waits or is refused for `seconds`."""
    return f"Too many attempts; try again in {math.ceil(seconds)} s."


# ---- who the client is ---------------------------------------------------------------------
TRUSTED_ENV = "LORA_LAB_TRUSTED_PROXIES"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies() -> list[Network]:
    """LORA_LAB_TRUSTED_PROXIES: comma-separated addresses or networks ("127.0.0.1", "10.0.0.0/8") of
    reverse proxies whose X-Forwarded-For is believed. Unset: none, and the header is ignored."""
    raw = os.environ.get(TRUSTED_ENV, "")
    networks = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(f"{TRUSTED_ENV} must list IP addresses or networks such as 127.0.0.1 or 10.0.0.0/8, "
                             f"comma-separated; {part!r} is neither") from None
    return networks


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return None


def client_address(peer: str | None, forwarded: str, trusted: list[Network]) -> str:
    """The client's address: the connection's peer (None, as Streamlit reports a connection from this
    machine, or anything that is not an IP address, such as a unix socket, is 127.0.0.1), unless the
    peer is a trusted proxy; then the X-Forwarded-For entries are read from the right (each proxy
    appends the address it saw) and the first one that is not a trusted proxy is the client. An
    entry that is not an address ends the walk at the last proxy."""
    current = peer if isinstance(peer, str) and _parse(peer) is not None else "127.0.0.1"
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    while _is_trusted(current, trusted) and hops:
        hop = hops.pop()
        if _parse(hop) is None:
            break
        current = hop
    return str(_parse(current) or current)


def _is_trusted(address: str, trusted: list[Network]) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in trusted)
