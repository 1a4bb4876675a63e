"""engine/progress/throttle.py: guesses paced, never refused, per session, address and server, with the
counters in the database (SQLite and PostgreSQL); who the client is behind trusted proxies (issue 21)."""

from __future__ import annotations

import ipaddress

import pytest
from sqlalchemy import select

from engine.progress.store import Store
from engine.progress.tables import limits
from engine.progress.throttle import Limit, client_address, guess_limit, message, new_learner_limit, trusted_proxies
from tests.progress.test_store import store, store_url  # noqa: F401 - fixtures: a fresh store of each kind

SECRET = "s3cret"


class Clock:
    """time.time() stand-in; `sleep` moves it on, so a wait costs the test nothing."""

    def __init__(self):
        self.now = 1_000_000.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def keys(session: str = "s1", address: str | None = "10.0.0.1") -> dict:
    return {"session": session, "address": address, "server": "all"}


def limit(store, clock, **free) -> Limit:
    return Limit(store, "instructor password", free=free or {"session": 5, "address": 20, "server": 50},
                 clock=clock, max_pace_s=60)


def guess(lim: Limit, clock: Clock, typed: str, who: dict) -> bool | None:
    return lim.attempt(who, lambda: typed == SECRET, sleep=clock.sleep)


def test_after_the_free_guesses_each_waits_an_interval_that_doubles_up_to_the_cap(store):
    clock = Clock()
    lim = limit(store, clock, session=3)
    waits = []
    for _ in range(10):
        before = clock.now
        assert guess(lim, clock, "wrong", keys()) is False
        waits.append(round(clock.now - before))
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60]  # 3 free, then 1 s doubling, at most 60 s


def test_the_right_secret_is_never_refused_after_a_class_worth_of_wrong_ones(store):
    """Issue 21: 20 wrong passwords from one address (a class behind NAT), then the instructor, in a
    new session on that address, types the right one: it is checked at once and lets them in."""
    clock = Clock()
    lim = limit(store, clock)
    for n in range(20):
        assert guess(lim, clock, f"guess{n}", keys(session=f"pupil{n // 5}")) is False
    clock.slept = 0.0
    assert guess(lim, clock, SECRET, keys(session="instructor")) is True
    assert clock.slept <= 1.0  # at worst one interval late
    for n in range(30):  # a guesser who carries on slows only themselves and those who share their keys...
        guess(lim, clock, f"more{n}", keys(session=f"other{n}"))
    clock.slept = 0.0
    assert guess(lim, clock, SECRET, keys(session="instructor-again")) is True  # ...and the right one still gets in
    assert clock.slept <= 60.0


def test_one_answer_per_interval_however_many_sessions_or_addresses_guess(store):
    """New sessions and new (trusted) addresses do not multiply the guesses: the server key paces them all."""
    clock = Clock()
    lim = limit(store, clock, session=5, address=20, server=50)
    answered_at = []
    for n in range(80):
        guess(lim, clock, f"g{n}", keys(session=f"s{n}", address=f"10.9.{n}.1"))  # a fresh session and address
        answered_at.append(clock.now)
    assert answered_at[49] == answered_at[0]  # 50 free on the server
    gaps = [b - a for a, b in zip(answered_at[50:], answered_at[51:])]
    assert [round(gap) for gap in gaps[:7]] == [2, 4, 8, 16, 32, 60, 60], gaps


def test_two_sessions_waiting_on_one_key_are_checked_one_after_the_other(store):
    clock = Clock()
    lim = limit(store, clock, session=50, address=2, server=50)
    for n in range(2):
        guess(lim, clock, "wrong", keys(session=f"s{n}"))
    clock.now += 10
    assert lim.claim(keys(session="a")) == 0  # a's turn
    assert lim.claim(keys(session="b")) > 0  # b, on the same address at the same moment, waits


def test_failures_age_out_of_the_window(store):
    clock = Clock()
    lim = limit(store, clock, session=3)
    guess(lim, clock, "x", keys())
    guess(lim, clock, "y", keys())
    clock.now += 601
    before = clock.now
    guess(lim, clock, "z", keys())
    guess(lim, clock, "w", keys())
    assert clock.now == before  # the first two were forgotten: these are free again


def test_the_counters_are_in_the_database_shared_by_every_process(store_url):
    """Issue 21: counters per process reset with each restart and differ between replicas."""
    clock = Clock()
    first, second = Store(store_url), Store(store_url)  # two app processes on one database
    try:
        for n in range(5):
            guess(limit(first, clock, session=5, address=5, server=50), clock, "wrong",
                  keys(session=f"s{n}", address="10.0.0.7"))
        assert limit(second, clock, session=5, address=5, server=50).claim(keys(session="new", address="10.0.0.7")) > 0
        with second.engine.connect() as conn:
            stored = conn.execute(select(limits.c.key)).scalars().all()
        assert stored and not any("10.0.0.7" in key or "s1" == key for key in stored)  # hashes, not addresses
    finally:
        first.close(), second.close()


def test_idle_rows_are_deleted_after_a_day(store):
    clock = Clock()
    lim = limit(store, clock)
    guess(lim, clock, "wrong", keys())
    clock.now += 2 * 86_400
    guess(lim, clock, "wrong", keys(session="later", address="10.0.0.2"))
    with store.engine.connect() as conn:
        assert conn.execute(select(limits)).all().__len__() == 3  # the later guess's three keys only


def test_new_learners_are_limited_per_session_and_address(store, monkeypatch):
    monkeypatch.delenv("LORA_LAB_NEW_LEARNERS_PER_SESSION", raising=False)
    clock = Clock()
    lim = new_learner_limit(store)
    lim.clock = clock
    for _ in range(3):
        assert lim.claim(keys()) == 0
        lim.count(keys())
    assert lim.claim(keys()) == 1.0  # the fourth from one session waits a second, then longer
    assert lim.claim(keys(session="s2")) == 0  # another session of the address may


def test_limits_come_from_the_environment(store, monkeypatch):
    monkeypatch.setenv("LORA_LAB_GUESSES_PER_SESSION", "2")
    monkeypatch.setenv("LORA_LAB_GUESSES_PER_ADDRESS", "3")
    monkeypatch.setenv("LORA_LAB_GUESSES_PER_SERVER", "4")
    assert guess_limit(store, "learner code").free == {"session": 2, "address": 3, "server": 4}
    monkeypatch.setenv("LORA_LAB_GUESSES_PER_SESSION", "lots")
    with pytest.raises(ValueError, match="LORA_LAB_GUESSES_PER_SESSION must be a whole number"):
        guess_limit(store, "learner code")


def test_the_message():
    assert message(41.2) == "Too many attempts; try again in 42 s."


PROXY = [ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8")]


@pytest.mark.parametrize(("peer", "forwarded", "trusted", "client"), [
    (None, "6.6.6.6", [], "127.0.0.1"),  # issue 21: no proxy named, the header is ignored, even over loopback
    ("203.0.113.9", "1.2.3.4", PROXY, "203.0.113.9"),  # straight from the network: not a proxy
    (None, "6.6.6.6, 198.51.100.7", PROXY, "198.51.100.7"),  # a local proxy appended the client's address
    (None, "198.51.100.7, 10.1.2.3", PROXY, "198.51.100.7"),  # two trusted hops, then the client
    ("10.0.0.5", "garbage, 198.51.100.7", PROXY, "198.51.100.7"),  # the client's own entries are never read
    (None, "not-an-address", PROXY, "127.0.0.1"),  # nothing believable: the proxy itself
    (None, "", [], "127.0.0.1"),
])
def test_client_address_believes_forwarded_only_from_trusted_proxies(peer, forwarded, trusted, client):
    assert client_address(peer, forwarded, trusted) == client


def test_trusted_proxies_from_the_environment(monkeypatch):
    monkeypatch.setenv("LORA_LAB_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    assert trusted_proxies() == PROXY
    monkeypatch.setenv("LORA_LAB_TRUSTED_PROXIES", "my-proxy")
    with pytest.raises(ValueError, match="LORA_LAB_TRUSTED_PROXIES must list IP addresses"):
        trusted_proxies()
    monkeypatch.delenv("LORA_LAB_TRUSTED_PROXIES")
    assert trusted_proxies() == []


def test_learner_codes_wait_at_most_4_s_so_a_class_still_gets_in_while_someone_guesses(store, monkeypatch):
    for name in ("LORA_LAB_GUESSES_PER_SESSION", "LORA_LAB_GUESSES_PER_ADDRESS", "LORA_LAB_GUESSES_PER_SERVER"):
        monkeypatch.delenv(name, raising=False)
    clock = Clock()
    codes = guess_limit(store, "learner code")
    codes.clock = clock
    for n in range(200):  # someone guesses on and on from the class's address
        codes.attempt(keys(session=f"g{n}"), lambda: False, sleep=clock.sleep)
    clock.slept = 0.0
    for n in range(30):  # then thirty learners type their own codes, one after another
        assert codes.attempt(keys(session=f"pupil{n}"), lambda: True, sleep=clock.sleep)
    assert clock.slept <= 4.0  # the first waited the guesser's interval; each right one hands the turn on
    assert guess_limit(store, "instructor password").max_pace_s == 60.0
