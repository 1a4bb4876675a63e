"""Fair turns for a class: which queued job starts next, and how many each learner may queue.

Round robin by learner (fair queuing in its simplest form: Nagle, "On Packet Switches
with Infinite Storage", RFC 970): a learner's k-th waiting job goes after every other
learner's (k-1)-th, counting the jobs each learner already has running. One learner's
ten runs then wait behind one run of each of the others instead of starving them; among
equals, the earlier submission goes first.

    owners A A A B C  (A submitted first)   ──▶   A B C A A

Pure functions over anything with `.owner`, `.submitted_at` and `.id`, so the local
queue (engine/lab/jobs.py) and the shared one (engine/lab/shared_queue.py) use the same rule.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")
MAX_QUEUED_DEFAULT = 3  # one comparison of the three methods at a time


def fair_order(queued: Sequence[T], running_owners: Iterable[str | None] = ()) -> list[T]:
    """`queued` in the order they should start: by turn (jobs the owner has running plus its
    place among its own waiting jobs), then by submission time."""
    turns = Counter(running_owners)
    keyed = []
    for job in sorted(queued, key=lambda j: (j.submitted_at, j.id)):
        keyed.append((turns[job.owner], job.submitted_at, job.id, job))
        turns[job.owner] += 1
    return [item[-1] for item in sorted(keyed, key=lambda k: k[:3])]


def max_queued_from_env() -> int:
    """Jobs one learner may have waiting or running at once, from LORA_LAB_MAX_QUEUED (default 3)."""
    raw = os.environ.get("LORA_LAB_MAX_QUEUED", str(MAX_QUEUED_DEFAULT))
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 100:
        raise ValueError(f"LORA_LAB_MAX_QUEUED must be a whole number from 1 to 100, not {raw!r}")
    return int(raw)
