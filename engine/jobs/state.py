"""The job queue's state: every job this server knows, in submission order, behind one lock.

    submit ──▶ JobTable.add ──▶ queued ──(the pump starts it)──▶ running ──▶ finish(done | failed | cancelled)
    status / jobs ◀── snapshot: a copy of JobInfo, with its place in the queue

Only the pump thread (engine/jobs/pump.py) changes a running job; pages read snapshots. The
oldest finished jobs beyond `keep_finished` are forgotten, so a long-lived server holds a
bounded number. The order in which queued jobs start is engine/jobs/fair.py's.
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from dataclasses import dataclass, replace
from typing import Any

from engine.jobs.fair import fair_order, last_served
from engine.jobs.job import JobInfo, State


# One job as the queue holds it: the snapshot pages see, and what only the queue needs.
@dataclass
class Job:
    info: JobInfo
    kwargs: dict
    threads: int | None = None  # torch threads for its worker; None: the queue's
    env: dict | None = None  # environment variables its worker sets first (a Ray actor's GPU, say)
    worker: Any = None  # engine.jobs.workers.Worker, once started
    cancel_at: float | None = None  # time.monotonic() when cancel was asked, seconds
    final: tuple | None = None  # the worker's last message: ("done", result) / ("failed", msg, tb) / ("cancelled",)


class JobTable:
    """The jobs of one queue; every method that reads or changes them takes the lock."""

    def __init__(self, keep_finished: int = 200):
        self.keep_finished = keep_finished  # finished jobs remembered for late readers
        self.lock = threading.Lock()
        self._jobs: dict[str, Job] = {}  # insertion order = submission order
        self._ids = itertools.count(1)

    def add(self, info: JobInfo, kwargs: dict, threads: int | None = None, env: dict | None = None) -> str:
        """File a queued job; its id is `info.id`, or a new one when that is empty."""
        with self.lock:
            info.id = info.id or f"job-{next(self._ids)}-{os.urandom(3).hex()}"
            if info.id in self._jobs:
                raise ValueError(f"job id {info.id!r} is already in the queue")
            self._jobs[info.id] = Job(info=info, kwargs=dict(kwargs), threads=threads, env=env)
            return info.id

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def snapshot(self, job_id: str) -> JobInfo | None:
        with self.lock:
            job = self._jobs.get(job_id)
            return None if job is None else self._snapshot(job)

    def snapshots(self, owner: str | None = None) -> list[JobInfo]:
        with self.lock:
            return [self._snapshot(j) for j in self._jobs.values() if owner is None or j.info.owner == owner]

    def unfinished_ids(self) -> list[str]:
        with self.lock:
            return [j.info.id for j in self._jobs.values() if not j.info.finished]

    def running(self) -> list[Job]:
        return [j for j in list(self._jobs.values()) if j.info.state == "running"]

    def has_queued(self) -> bool:
        return any(j.info.state == "queued" for j in list(self._jobs.values()))

    def startable(self, max_running: int) -> list[Job]:
        """Queued jobs that may start now, learners in turn, while their device has a free slot (lock held)."""
        busy: dict[str, int] = {}
        for job in self._jobs.values():
            if job.info.state == "running":
                busy[job.info.device] = busy.get(job.info.device, 0) + 1
        chosen = []
        for job in self.in_turn():
            if busy.get(job.info.device, 0) < max_running:
                chosen.append(job)
                busy[job.info.device] = busy.get(job.info.device, 0) + 1
        return chosen

    def in_turn(self) -> list[Job]:
        """Queued jobs in the order they start (engine/jobs/fair.py; lock held)."""
        queued = [j.info for j in self._jobs.values() if j.info.state == "queued"]
        served = last_served(j.info for j in self._jobs.values())
        return [self._jobs[info.id] for info in fair_order(queued, served)]

    def finish(self, job: Job, state: State, **fields: Any) -> None:
        """Mark a job finished and forget the oldest finished jobs beyond `keep_finished` (lock held)."""
        for name, value in fields.items():
            setattr(job.info, name, value)
        job.info.state, job.info.finished_at = state, time.time()
        finished = [k for k, j in self._jobs.items() if j.info.finished]
        for key in finished[: max(0, len(finished) - self.keep_finished)]:
            del self._jobs[key]

    def _snapshot(self, job: Job) -> JobInfo:
        place = None
        if job.info.state == "queued":
            ahead = [j for j in self.in_turn() if j.info.device == job.info.device]
            place = [j.info.id for j in ahead].index(job.info.id) + 1
        return replace(job.info, place=place, progress=dict(job.info.progress), losses=list(job.info.losses))
