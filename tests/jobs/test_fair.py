"""Fair turns (engine/jobs/fair.py) and the caps: per learner, per address, the whole queue."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from engine.jobs.fair import fair_order, max_queued_from_env


@dataclass
class Job:
    id: str
    owner: str
    submitted_at: float


def test_learners_take_turns_instead_of_submission_order():
    queued = [Job("a1", "A", 1), Job("a2", "A", 2), Job("a3", "A", 3), Job("b1", "B", 4), Job("c1", "C", 5)]
    assert [j.id for j in fair_order(queued)] == ["a1", "b1", "c1", "a2", "a3"]


def test_the_learner_served_longest_ago_goes_first_in_a_round():
    queued = [Job("a2", "A", 1), Job("a3", "A", 2), Job("b1", "B", 3), Job("c1", "C", 4)]
    assert [j.id for j in fair_order(queued, {"A": 10.0})] == ["b1", "c1", "a2", "a3"]  # A just had a turn
    assert [j.id for j in fair_order(queued, {"A": 10.0, "B": 20.0, "C": 5.0})] == ["c1", "a2", "b1", "a3"]


def test_the_cap_comes_from_the_environment_with_a_clear_error(monkeypatch):
    monkeypatch.delenv("LORA_LAB_MAX_QUEUED", raising=False)
    assert max_queued_from_env() == 3
    monkeypatch.setenv("LORA_LAB_MAX_QUEUED", "lots")
    with pytest.raises(ValueError, match="LORA_LAB_MAX_QUEUED must be a whole number from 1 to 100, not 'lots'"):
        max_queued_from_env()


def test_every_cap_comes_from_the_environment(monkeypatch):
    from engine.jobs.fair import Caps

    for name in ("LORA_LAB_MAX_QUEUED", "LORA_LAB_MAX_QUEUED_PER_ADDRESS", "LORA_LAB_MAX_WAITING",
                 "LORA_LAB_REQUIRE_SIGN_IN"):
        monkeypatch.delenv(name, raising=False)
    assert Caps.from_env() == Caps(per_learner=3, per_address=3, total=100, sign_in=False)
    monkeypatch.setenv("LORA_LAB_MAX_QUEUED_PER_ADDRESS", "30")
    monkeypatch.setenv("LORA_LAB_MAX_WAITING", "500")
    monkeypatch.setenv("LORA_LAB_REQUIRE_SIGN_IN", "1")
    assert Caps.from_env() == Caps(per_learner=3, per_address=30, total=500, sign_in=True)
    monkeypatch.setenv("LORA_LAB_REQUIRE_SIGN_IN", "maybe")
    with pytest.raises(ValueError, match="LORA_LAB_REQUIRE_SIGN_IN must be 1 \\(on\\) or 0 \\(off\\), not 'maybe'"):
        Caps.from_env()
