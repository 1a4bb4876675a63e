"""engine/progress/throttle.py: wrong guesses per session and per address, with growing lockouts."""

from __future__ import annotations

import threading

import pytest

from engine.progress.throttle import GuessLimit, Throttle, message


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_locks_the_key_and_only_that_key():
    clock = Clock()
    t = Throttle(limit=3, window_s=600, lockout_s=60, clock=clock)
    assert [t.failed("a") for _ in range(2)] == [0, 0] and t.wait("a") == 0
    assert t.failed("a") == 60  # the third failure locks
    assert t.wait("a") == 60 and t.wait("b") == 0 and t.wait("b", "a") == 60
    clock.now += 59.5
    assert t.wait("a") == 1  # whole seconds, rounded up
    clock.now += 1
    assert t.wait("a") == 0


def test_each_further_lockout_is_twice_as_long_up_to_the_cap():
    clock = Clock()
    t = Throttle(limit=1, lockout_s=60, max_lockout_s=200, clock=clock)
    waits = []
    for _ in range(4):
        waits.append(t.failed("a"))
        clock.now += waits[-1]
    assert waits == [60, 120, 200, 200]


def test_failures_age_out_of_the_window():
    clock = Clock()
    t = Throttle(limit=3, window_s=600, clock=clock)
    t.failed("a"), t.failed("a")
    clock.now += 601
    assert t.failed("a") == 0  # the first two are forgotten


def test_memory_is_bounded_and_running_lockouts_are_kept():
    clock = Clock()
    t = Throttle(limit=2, max_keys=100, clock=clock)
    t.failed("guesser"), t.failed("guesser")
    for i in range(10_000):  # a flood of new keys, one failure each: none locked, none idle
        clock.now += 0.001
        t.failed(f"x{i}")
    assert len(t) <= 100
    assert 49 <= t.wait("guesser") <= 51  # 60 s lockout, 10 s later: still locked, not evicted


def test_the_throttle_is_thread_safe():
    t = Throttle(limit=10_000)
    threads = [threading.Thread(target=lambda: [t.failed("a") for _ in range(1000)]) for _ in range(8)]
    [th.start() for th in threads]
    [th.join() for th in threads]
    assert t.wait("a") == 0 and len(t._keys["a"].failures) == 8000


def test_a_guess_limit_counts_per_session_and_per_address():
    clock = Clock()
    limit = GuessLimit(per_session=5, per_address=8, clock=clock)
    assert [limit.failed("s1", "10.0.0.1") for _ in range(5)][-1] == 60  # the fifth locks this session
    assert limit.wait("s2", "10.0.0.1") == 0  # a new session on the same address: 5 of 8 used
    assert [limit.failed("s2", "10.0.0.1") for _ in range(3)][-1] == 60  # the address is at 8
    assert limit.wait("s3", "10.0.0.1") == 60 and limit.wait("s3", "10.0.0.2") == 0
    assert limit.wait("s3", None) == 0  # no address known (tests, some proxies): the session limit only


def test_limits_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("LORA_LAB_GUESSES_PER_SESSION", "2")
    monkeypatch.setenv("LORA_LAB_GUESSES_PER_ADDRESS", "3")
    limit = GuessLimit.from_env()
    assert (limit.session.limit, limit.address.limit) == (2, 3)
    monkeypatch.setenv("LORA_LAB_GUESSES_PER_SESSION", "lots")
    with pytest.raises(ValueError, match="LORA_LAB_GUESSES_PER_SESSION must be a whole number"):
        GuessLimit.from_env()


def test_the_message():
    assert message(42) == "Too many attempts; try again in 42 s."
