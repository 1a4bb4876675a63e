"""Lab job records in the progress database, so that job state lives outside any app process.

    JobStore(store)
      .add(rows, owner=, cap=)    queue a learner's jobs, refused past their cap (QueueFull)
      .get(id) / .list(...)       one job, or many (by owner, state, backend)
      .claim(id)                  a dispatcher takes a queued job (one replica wins)
      .start / .progress / .finish   what the runner writes as the job goes
      .cancel_queued / .request_cancel   what Cancel writes; the runner obeys the flag
      .heartbeat(ids) / .expire(...)     a runner that stopped beating leaves no ghost job
      .summary()                  the class queue for the instructor dashboard

Every app replica and every Ray worker opens the same database (SQLite file on one
machine, PostgreSQL for a class), so the database is the channel: a replica shows
any job, and a restarted app reads back every finished result. Each write is its own
short transaction; a transition is one guarded UPDATE (`WHERE state = 'queued'`),
so two replicas racing for one job cannot both win (SQLite serialises writers with
BEGIN IMMEDIATE; PostgreSQL row locks the updated row: docs, "Concurrency Control").
Stands alone like the rest of engine/progress: the lab queues (engine/lab) call it.
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, text, update

from engine.progress.store import Store
from engine.progress.tables import lab_jobs
from engine.progress.values import to_json

UNFINISHED = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")


class QueueFull(ValueError):
    """This owner already has `cap` jobs waiting or running; the message says so in words."""


# One job as stored: JSON columns parsed back, times in time.time() seconds.
@dataclass
class JobRecord:
    id: str
    owner: str
    label: str
    target: str
    backend: str
    device: str
    state: str
    submitted_at: float
    submitter: str | None = None
    grp: str | None = None
    settings: dict = field(default_factory=dict)
    resources: dict = field(default_factory=dict)
    progress: dict = field(default_factory=dict)
    losses: list = field(default_factory=list)
    result: Any = None
    error: str | None = None
    detail: str | None = None
    exitcode: int | None = None
    runner: str | None = None
    cancel_requested: bool = False
    dispatched_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    heartbeat_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


_JSON = {"settings": dict, "resources": dict, "progress": dict, "losses": list}


def _record(row) -> JobRecord:
    values = dict(row._mapping)
    for name, empty in _JSON.items():
        values[name] = json.loads(values[name]) if values[name] else empty()
    values["result"] = json.loads(values["result"]) if values["result"] is not None else None
    values["cancel_requested"] = bool(values["cancel_requested"])
    return JobRecord(**values)


class JobStore:
    """Lab jobs in the progress database behind `store` (see the module docstring)."""

    def __init__(self, store: Store):
        self.store = store

    # -- queueing ----------------------------------------------------------------------
    def add(self, rows: list[dict], *, owner: str, cap: int, submitter: str | None = None) -> None:
        """Queue `rows` (id, label, target, backend, device; optional grp, settings, resources) for
        `owner`, all or none: QueueFull if that would give the owner more than `cap` unfinished jobs."""
        now = time.time()
        with self.store._tx("queue a lab job", write=True) as conn:
            if not self.store.is_sqlite:  # SQLite's BEGIN IMMEDIATE already serialises writers
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(owner.encode())})
            have = conn.scalar(select(func.count()).select_from(lab_jobs).where(
                lab_jobs.c.owner == owner, lab_jobs.c.state.in_(UNFINISHED)))
            if have + len(rows) > cap:
                raise QueueFull(
                    f"You already have {have} lab run{'s' * (have != 1)} waiting or running, and the limit is {cap} "
                    f"at once per learner, so these {len(rows)} more cannot be queued. Wait for one to finish or "
                    f"cancel one, then press Start again.")
            for i, row in enumerate(rows):  # a microsecond apart, so a group keeps its order
                conn.execute(insert(lab_jobs).values(
                    id=row["id"], owner=owner, submitter=(submitter or "")[:100] or None, label=row["label"][:100],
                    grp=row.get("grp"), target=row["target"], settings=to_json(row.get("settings") or {}),
                    backend=row["backend"], device=row["device"], resources=to_json(row.get("resources") or {}),
                    state="queued", progress="{}", losses="[]", cancel_requested=False, submitted_at=now + i * 1e-6,
                    runner=row.get("runner"), heartbeat_at=row.get("heartbeat_at")))

    # -- reading -----------------------------------------------------------------------
    def get(self, job_id: str) -> JobRecord | None:
        with self.store._tx("read a lab job") as conn:
            row = conn.execute(select(lab_jobs).where(lab_jobs.c.id == job_id)).first()
        return _record(row) if row else None

    def jobs(self, *, owner: str | None = None, states: tuple[str, ...] | None = None,
             backend: str | None = None, since: float | None = None, limit: int = 500) -> list[JobRecord]:
        """Jobs in submission order (oldest first), newest `limit` of them."""
        query = select(lab_jobs)
        if owner is not None:
            query = query.where(lab_jobs.c.owner == owner)
        if states is not None:
            query = query.where(lab_jobs.c.state.in_(states))
        if backend is not None:
            query = query.where(lab_jobs.c.backend == backend)
        if since is not None:
            query = query.where(lab_jobs.c.submitted_at >= since)
        query = query.order_by(lab_jobs.c.submitted_at.desc(), lab_jobs.c.id.desc()).limit(limit)
        with self.store._tx("list lab jobs") as conn:
            rows = conn.execute(query).all()
        return [_record(row) for row in reversed(rows)]

    def last_served(self, *, backend: str, since_s: float = 24 * 3600) -> dict[str, float]:
        """owner -> when that owner's latest job of `backend` started (or was handed to a runner),
        over the last `since_s` seconds: whose turn comes next (engine/jobs/fair.py)."""
        when = func.max(func.coalesce(lab_jobs.c.started_at, lab_jobs.c.dispatched_at))
        query = (select(lab_jobs.c.owner, when).where(lab_jobs.c.backend == backend,
                                                      lab_jobs.c.submitted_at >= time.time() - since_s)
                 .group_by(lab_jobs.c.owner))
        with self.store._tx("read lab turns") as conn:
            return {owner: at for owner, at in conn.execute(query).all() if at is not None}

    # -- transitions (each one guarded UPDATE; True if this call made it) ---------------
    def _update(self, job_id: str, doing: str, where=(), **values) -> bool:
        with self.store._tx(doing, write=True) as conn:
            result = conn.execute(update(lab_jobs).where(lab_jobs.c.id == job_id, *where).values(**values))
        return result.rowcount == 1

    def claim(self, job_id: str, runner: str) -> bool:
        """A dispatcher takes a queued job that nobody has taken yet."""
        return self._update(job_id, "claim a lab job", (lab_jobs.c.state == "queued", lab_jobs.c.dispatched_at.is_(None)),
                            dispatched_at=time.time(), runner=runner[:100])

    def start(self, job_id: str, runner: str) -> bool:
        now = time.time()
        return self._update(job_id, "start a lab job", (lab_jobs.c.state == "queued",), state="running",
                            started_at=now, heartbeat_at=now, runner=runner[:100])

    def progress(self, job_id: str, progress: dict, losses: list) -> None:
        self._update(job_id, "record lab progress", (lab_jobs.c.state == "running",), progress=to_json(progress),
                     losses=to_json(losses), heartbeat_at=time.time())

    def finish(self, job_id: str, state: str, *, result: Any = None, error: str | None = None,
               detail: str | None = None, exitcode: int | None = None, progress: dict | None = None,
               losses: list | None = None) -> bool:
        """Record the end of a job once; a second finish (a racing replica) changes nothing."""
        if state not in FINISHED:
            raise ValueError(f"a job finishes as one of {', '.join(FINISHED)}, not {state!r}")
        values = dict(state=state, result=None if result is None else to_json(result), error=error,
                      detail=detail, exitcode=exitcode, finished_at=time.time())
        if progress is not None:
            values["progress"] = to_json(progress)
        if losses is not None:
            values["losses"] = to_json(losses)
        return self._update(job_id, "finish a lab job", (lab_jobs.c.state.in_(UNFINISHED),), **values)

    def cancel_queued(self, job_id: str) -> bool:
        """Cancel a job still waiting in our queue (not yet handed to a runner)."""
        return self._update(job_id, "cancel a lab job", (lab_jobs.c.state == "queued", lab_jobs.c.dispatched_at.is_(None)),
                            state="cancelled", cancel_requested=True, finished_at=time.time())

    def request_cancel(self, job_id: str) -> bool:
        """Ask the runner of a started job to stop; it polls this flag."""
        return self._update(job_id, "cancel a lab job", (lab_jobs.c.state.in_(UNFINISHED),), cancel_requested=True)

    def heartbeat(self, job_ids: list[str]) -> None:
        if job_ids:
            with self.store._tx("record a lab heartbeat", write=True) as conn:
                conn.execute(update(lab_jobs).where(lab_jobs.c.id.in_(job_ids), lab_jobs.c.state.in_(UNFINISHED))
                             .values(heartbeat_at=time.time()))

    def expire(self, *, backend: str, older_than_s: float, message: str) -> list[str]:
        """Fail the unfinished, started jobs of `backend` whose runner has not beaten for `older_than_s`
        seconds (its app server or Ray worker is gone). Returns their ids."""
        cutoff = time.time() - older_than_s
        stale = self.jobs(states=UNFINISHED, backend=backend)
        gone = [job.id for job in stale if job.heartbeat_at is not None and job.heartbeat_at < cutoff]
        return [job_id for job_id in gone if self._update(
            job_id, "expire a lab job", (lab_jobs.c.state.in_(UNFINISHED), lab_jobs.c.heartbeat_at < cutoff),
            state="failed", error=message, finished_at=time.time())]

    # -- the class queue ----------------------------------------------------------------
    def summary(self, *, since: float | None = None) -> dict:
        """Counts by state and the waits before start (seconds) of jobs submitted since `since`."""
        jobs = self.jobs(since=since, limit=5000)
        counts = {state: 0 for state in UNFINISHED + FINISHED}
        for job in jobs:
            counts[job.state] = counts.get(job.state, 0) + 1
        now = time.time()
        waits = sorted(job.started_at - job.submitted_at for job in jobs if job.started_at is not None)
        waiting = [now - job.submitted_at for job in jobs if job.state == "queued"]
        return {"counts": counts, "waits": waits, "longest_waiting_s": max(waiting, default=0.0), "jobs": jobs}
