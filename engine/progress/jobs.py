"""Lab job records in the progress database, so that job state lives outside any app process.

    JobStore(store)
      .add(rows, owner=, cap=, ...)  queue a learner's jobs, refused past a cap (QueueFull): theirs,
                                  their address's when they did not sign in, or the whole queue's
      .get(id) / .jobs(...)       one job, or many (by id, owner, state, backend): every match,
                                  unless the caller asks for a `limit` to show
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
Whatever decides a job's fate (sync, dispatch, expiry, a place in the queue) reads every
unfinished job, never a window of the newest: a job must not be cancelled or starved because
500 others came after it (issue 21). Stands alone like the rest of engine/progress: the job
queues (engine/jobs) call it.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, text, update

from engine.progress.store import Store
from engine.progress.tables import lab_jobs
from engine.progress.values import to_json

UNFINISHED = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")


class QueueFull(ValueError):
    """A cap is reached (the owner's, their address's, the whole queue's); the message says so in words."""


def client_key(address: str | None) -> str | None:
    """What the table keeps of a client's address: its SHA-256, so no address is stored."""
    return hashlib.sha256(f"lab client\0{address}".encode()).hexdigest() if address else None


def _learner_full(have: int, cap: int, more: int) -> str:
    return (f"You already have {have} lab run{'s' * (have != 1)} waiting or running, and the limit is {cap} at once "
            f"per learner, so these {more} more cannot be queued. Wait for one to finish or cancel one, then press "
            f"Start again.")


def _address_full(have: int, cap: int, more: int) -> str:
    return (f"{have} lab run{'s' * (have != 1)} from your network, by people who have not signed in, "
            f"{'are' if have != 1 else 'is'} waiting or running, and the limit is {cap} at once. Sign in (on the "
            f"Progress page) to have runs of your own, or wait for those to finish.")


def _queue_full(have: int, cap: int, more: int) -> str:
    return (f"The lab's queue is full: {have} runs are waiting or running on this server, and it takes at most "
            f"{cap} at once. Please press Start again when some have finished.")


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
    client: str | None = None  # hash of the address of an owner who had not signed in

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
    def add(self, rows: list[dict], *, owner: str, cap: int, submitter: str | None = None,
            client: str | None = None, client_cap: int | None = None, total_cap: int | None = None) -> None:
        """Queue `rows` (id, label, target, backend, device; optional grp, settings, resources) for
        `owner`, all or none. QueueFull if that would give the owner more than `cap` unfinished jobs;
        `client` (the address of an owner who did not sign in, kept as a hash) more than `client_cap`;
        or the whole queue more than `total_cap`."""
        now, where = time.time(), client_key(client)
        with self.store._tx("queue a lab job", write=True) as conn:
            if not self.store.is_sqlite:  # SQLite's BEGIN IMMEDIATE already serialises writers
                conn.execute(text("SELECT pg_advisory_xact_lock(6062)"))  # every cap counts one queue
            caps = [((lab_jobs.c.owner == owner,), cap, _learner_full),
                    ((lab_jobs.c.client == where,), client_cap if where else None, _address_full),
                    ((), total_cap, _queue_full)]
            for condition, limit, say in caps:
                have = self._unfinished_count(conn, *condition) if limit is not None else 0
                if limit is not None and have + len(rows) > limit:
                    raise QueueFull(say(have, limit, len(rows)))
            for i, row in enumerate(rows):  # a microsecond apart, so a group keeps its order
                conn.execute(insert(lab_jobs).values(
                    id=row["id"], owner=owner, submitter=(submitter or "")[:100] or None, label=row["label"][:100],
                    grp=row.get("grp"), target=row["target"], settings=to_json(row.get("settings") or {}),
                    backend=row["backend"], device=row["device"], resources=to_json(row.get("resources") or {}),
                    state="queued", progress="{}", losses="[]", cancel_requested=False, submitted_at=now + i * 1e-6,
                    runner=row.get("runner"), heartbeat_at=row.get("heartbeat_at"), client=where))

    @staticmethod
    def _unfinished_count(conn, *where) -> int:
        """Jobs waiting or running that match `where` (all of them, with no condition)."""
        return conn.scalar(select(func.count()).select_from(lab_jobs).where(
            lab_jobs.c.state.in_(UNFINISHED), *where)) or 0

    # -- reading -----------------------------------------------------------------------
    def get(self, job_id: str) -> JobRecord | None:
        with self.store._tx("read a lab job") as conn:
            row = conn.execute(select(lab_jobs).where(lab_jobs.c.id == job_id)).first()
        return _record(row) if row else None

    def jobs(self, *, ids: list[str] | None = None, owner: str | None = None,
             states: tuple[str, ...] | None = None, backend: str | None = None, since: float | None = None,
             limit: int | None = None) -> list[JobRecord]:
        """Jobs in submission order (oldest first): every match, or the newest `limit` of them to show.
        A caller that acts on what it reads (cancels, starts, expires) never passes a limit."""
        query = select(lab_jobs)
        if ids is not None:
            query = query.where(lab_jobs.c.id.in_(ids))
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
        """Counts by state and the waits before start (seconds) of the newest 5,000 jobs submitted since
        `since`: what the dashboard shows (it acts on none of them)."""
        jobs = self.jobs(since=since, limit=5000)
        counts = {state: 0 for state in UNFINISHED + FINISHED}
        for job in jobs:
            counts[job.state] = counts.get(job.state, 0) + 1
        now = time.time()
        waits = sorted(job.started_at - job.submitted_at for job in jobs if job.started_at is not None)
        waiting = [now - job.submitted_at for job in jobs if job.state == "queued"]
        return {"counts": counts, "waits": waits, "longest_waiting_s": max(waiting, default=0.0), "jobs": jobs}
