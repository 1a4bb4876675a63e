"""Fair turns for a class: which queued job starts next, and how many runs may wait at once.

Round robin by learner (fair queuing in its simplest form: Nagle, "On Packet Switches
with Infinite Storage", RFC 970): a learner's k-th waiting job goes after every other
learner's (k-1)-th; within one round, the learner served longest ago (or never) goes
first, so a learner whose run just started waits for the others' turns. One learner's
ten runs then wait behind one run of each of the others instead of starving them; among
equals, the earlier submission goes first.

    waiting A A A B C  (A submitted first, nobody served yet)   ──▶   A B C A A
    waiting A A B      (A's first run just started)              ──▶   B A A

Pure functions over anything with `.owner`, `.submitted_at` and `.id`, so the local
queue (engine/jobs/queue.py) and the shared one (engine/jobs/shared_queue.py) use the same rule.

Caps (issue 21): a turn per learner is fair only if one person cannot be many learners. Each
learner may have LORA_LAB_MAX_QUEUED runs waiting or running (3); a page without sign-in files
its runs under a token in its URL, free to make, so those runs also count against their client
address, LORA_LAB_MAX_QUEUED_PER_ADDRESS at once (3); and the whole queue holds at most
LORA_LAB_MAX_WAITING (100). LORA_LAB_REQUIRE_SIGN_IN=1 takes runs from signed-in learners only.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")
MAX_QUEUED_DEFAULT = 3  # one comparison of the three methods at a time


def fair_order(queued: Sequence[T], served: Mapping[str | None, float] | None = None) -> list[T]:
    """`queued` in the order they should start: by round (the job's place among its owner's
    waiting jobs), then the owner's last start (`served`: owner -> time.time() of its
    latest job to start; absent = never), then submission time."""
    served = served or {}
    rounds: Counter = Counter()
    keyed = []
    for job in sorted(queued, key=lambda j: (j.submitted_at, j.id)):
        keyed.append((rounds[job.owner], served.get(job.owner, 0.0), job.submitted_at, job.id, job))
        rounds[job.owner] += 1
    return [item[-1] for item in sorted(keyed, key=lambda k: k[:4])]


def last_served(jobs) -> dict[str | None, float]:
    """owner -> latest `started_at` among `jobs` (anything with .owner and .started_at)."""
    served: dict[str | None, float] = {}
    for job in jobs:
        if job.started_at is not None:
            served[job.owner] = max(served.get(job.owner, 0.0), job.started_at)
    return served


def max_queued_from_env() -> int:
    """Jobs one learner may have waiting or running at once, from LORA_LAB_MAX_QUEUED (default 3)."""
    raw = os.environ.get("LORA_LAB_MAX_QUEUED", str(MAX_QUEUED_DEFAULT))
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 100:
        raise ValueError(f"LORA_LAB_MAX_QUEUED must be a whole number from 1 to 100, not {raw!r}")
    return int(raw)


# How many runs may wait or run at once (see the module docstring); SharedQueue enforces them.
@dataclass(frozen=True)
class Caps:
    per_learner: int = MAX_QUEUED_DEFAULT  # LORA_LAB_MAX_QUEUED
    per_address: int = 3  # LORA_LAB_MAX_QUEUED_PER_ADDRESS: runs of people not signed in, per client address
    total: int = 100  # LORA_LAB_MAX_WAITING: the whole queue, every learner and address together
    sign_in: bool = False  # LORA_LAB_REQUIRE_SIGN_IN: runs only from signed-in learners

    @classmethod
    def from_env(cls) -> Caps:
        return cls(per_learner=max_queued_from_env(), per_address=_whole("LORA_LAB_MAX_QUEUED_PER_ADDRESS", 3),
                   total=_whole("LORA_LAB_MAX_WAITING", 100), sign_in=_flag("LORA_LAB_REQUIRE_SIGN_IN"))


def _whole(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise ValueError(f"{name} must be a whole number from 1 to 100000, not {raw!r}")
    return int(raw)


def _flag(name: str) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw not in ("", "0", "1", "true", "false", "yes", "no", "on", "off"):
        raise ValueError(f"{name} must be 1 (on) or 0 (off), not {raw!r}")
    return raw in ("1", "true", "yes", "on")
