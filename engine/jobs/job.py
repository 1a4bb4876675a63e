"""One lab job as the pages see it: its state, progress, losses and result, and where it runs.

`JobInfo` is a snapshot, safe to read from any thread and to hand to a page; the
queue that fills it in is engine/jobs/queue.py (its state: engine/jobs/state.py).

    queued ──▶ running ──▶ done | failed | cancelled
       └────────────────────────────────▶ cancelled
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

State = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"done", "failed", "cancelled"})


# A snapshot of one job, safe to read from any thread (a copy, never the live record).
@dataclass
class JobInfo:
    id: str
    target: str  # "module:function", imported by name in the worker
    label: str  # what the page shows, e.g. the method name
    group: str | None  # jobs submitted together as one comparison share a group
    device: str  # jobs on one device queue behind each other
    state: State = "queued"
    place: int | None = None  # 1 = next to start; None unless queued
    progress: dict = field(default_factory=dict)  # the latest on_progress payload
    losses: list[float] = field(default_factory=list)  # every loss reported so far
    result: Any = None  # the job function's return value, once done
    error: str | None = None  # one clear sentence, once failed
    detail: str | None = None  # the worker's traceback, for an expander
    exitcode: int | None = None  # negative: killed by that signal (multiprocessing convention)
    submitted_at: float = 0.0  # time.time(), seconds
    started_at: float | None = None
    finished_at: float | None = None
    owner: str | None = None  # the learner or session whose cap and turn this job counts against

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


def default_device() -> str:
    """"cuda" where an NVIDIA device node exists, else "cpu": found without importing torch."""
    return "cuda" if os.path.exists("/dev/nvidia0") else "cpu"


def max_jobs_from_env() -> int:
    """Jobs per device at once, from LORA_LAB_MAX_JOBS (default 1; clear error if not 1-16)."""
    raw = os.environ.get("LORA_LAB_MAX_JOBS", "1")
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 16:
        raise ValueError(f"LORA_LAB_MAX_JOBS must be a whole number from 1 to 16, not {raw!r}")
    return int(raw)


WARM_WORKER_ENV = "LORA_LAB_WARM_WORKER"
WARM_WHEN = ("lab", "start", "off")


def warm_worker_from_env() -> str:
    """When the warm worker is made ready, from LORA_LAB_WARM_WORKER: "lab" (default: when the Lab
    page, or a lesson's lab, first opens), "start" (with the server's first page of any kind), or
    "off" (no warm worker: every job spawns a fresh interpreter, and no idle memory is held)."""
    raw = os.environ.get(WARM_WORKER_ENV, "lab").strip().lower() or "lab"
    if raw not in WARM_WHEN:
        raise ValueError(f"{WARM_WORKER_ENV} must be one of {', '.join(WARM_WHEN)}, not {raw!r}")
    return raw


def warm_workers_from_env() -> bool:
    """Whether to keep a warm worker at all (LORA_LAB_WARM_WORKER is not "off")."""
    return warm_worker_from_env() != "off"


def wait_for(status: Callable[[str], JobInfo | None], job_id: str, timeout: float, poll_s: float) -> JobInfo | None:
    """Poll `status(job_id)` until the job finishes or is unknown (for the CLI and tests);
    TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        info = status(job_id)
        if info is None or info.finished:
            return info
        if time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still {info.state} after {timeout} s")
        time.sleep(poll_s)
