"""The lab's job queue as the pages use it: records in the progress database, run by the
local process queue or, when LORA_LAB_RAY_ADDRESS is set, by a Ray cluster.

    page ─▶ SharedQueue.submit_group ─▶ JobStore.add (lab_jobs: owner, settings, state; capped)
              status / jobs / cancel ◀── JobStore (any app replica reads any job)
                                           ▲ sync thread, every SYNC_S
                     ┌─────────────────────┴──────────────────────┐
               LocalRunner (below)                          RayRunner (engine/jobs/ray_backend.py)
               JobQueue in this process; mirrors            one detached Ray actor per job, started in
               progress and results into the database       fair turns; the actor writes its own progress

The same interface as engine/jobs/queue.py's JobQueue (submit_group, status, jobs, cancel,
wait, shutdown), so pages do not know which backend runs. What a restart does:
on Ray a job lives in its actor, so it keeps running and its result lands in the
database; on the local queue a job lives inside the app server, so it ends with the
server, and after LOCAL_STALE_S seconds without a heartbeat any replica marks it failed,
saying so (results already finished are kept either way).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from engine.jobs.fair import Caps, fair_order
from engine.jobs.job import JobInfo, wait_for
from engine.jobs.queue import JobQueue
from engine.progress.jobs import (  # noqa: F401 - QueueFull for pages
    FINISHED,
    UNFINISHED,
    JobRecord,
    JobStore,
    QueueFull,
)
from engine.progress.store import Store, database_url

log = logging.getLogger(__name__)
SYNC_S = 0.5  # seconds between mirror/dispatch rounds while jobs run: progress lags by at most this
IDLE_SYNC_S = 5.0  # seconds between rounds with no job running here (expiring other servers' lost jobs)
HEARTBEAT_S = 5.0  # a runner touches its unfinished jobs this often
LOCAL_STALE_S = 30.0  # a local job whose server has not beaten for this long is gone
SHOWN = 50  # finished jobs of one owner that `jobs` lists, newest first (their unfinished ones: all)
LOCAL_LOST = ("the app server that was running this job stopped (a restart or a crash) before it finished. "
              "On the local queue a run lives inside the app server, so it was lost; press Start again. "
              "(With a Ray cluster, LORA_LAB_RAY_ADDRESS, runs keep going across app restarts.)")


def runner_name() -> str:
    """host:pid:random, unique to this app process."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{os.urandom(3).hex()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process holds that pid now
    return True


def to_info(record: JobRecord, place: int | None = None) -> JobInfo:
    return JobInfo(id=record.id, target=record.target, label=record.label, group=record.grp, device=record.device,
                   state=record.state, place=place, progress=dict(record.progress),
                   losses=[float(x) for x in record.losses if isinstance(x, (int, float))], result=record.result,
                   error=record.error, detail=record.detail, exitcode=record.exitcode,
                   submitted_at=record.submitted_at, started_at=record.started_at, finished_at=record.finished_at,
                   owner=record.owner)


class LocalRunner:
    """Runs jobs in this process's JobQueue and mirrors their state into the database."""

    backend = "local"

    def __init__(self, queue: JobQueue, name: str):
        self.queue, self.name = queue, name
        self.live: dict[str, tuple] = {}  # job id -> (state, progress, number of losses) last written
        self._beat = 0.0
        self._reaped = False

    def device(self) -> str:
        from engine.jobs.job import default_device

        return default_device()

    def listen(self, news) -> None:
        """Call `news()` when a job here starts, ends or reports its first loss."""
        self.queue.on_change = news

    def warm(self) -> None:
        self.queue.warm()

    def busy(self) -> bool:
        return bool(self.live)

    def resources(self, kwargs: dict) -> dict:
        return {}

    def claim_fields(self) -> dict:
        """This process runs the job from the start: its heartbeat covers queued jobs too."""
        return {"runner": self.name, "heartbeat_at": time.time()}

    def accept(self, rows: list[dict], kwargs_by_id: dict[str, dict], owner: str) -> None:
        for row in rows:
            self.queue.submit(row["target"], kwargs_by_id[row["id"]], label=row["label"], group=row.get("grp"),
                              device=row["device"], owner=owner, job_id=row["id"])
            self.live[row["id"]] = ("queued", {}, 0)

    def cancel(self, db: JobStore, job_id: str) -> None:
        if job_id in self.live:
            self.queue.cancel(job_id)

    def sync(self, db: JobStore) -> None:
        if not self._reaped:
            self._reaped = True
            self._reap_dead_servers(db)
        mine = {r.id: r for r in db.jobs(ids=list(self.live))}  # every one of ours, however many others wait
        for job_id in list(self.live):
            info = self.queue.status(job_id)
            record = mine.get(job_id)
            if record is None or record.finished:  # finished in the database (cancelled while queued, expired)
                if info is not None and not info.finished:
                    self.queue.cancel(job_id)
                else:
                    self.live.pop(job_id)
                continue
            if info is None:  # unknown to our queue: nothing left to mirror
                self.live.pop(job_id)
                continue
            if record.cancel_requested and not info.finished:
                self.queue.cancel(job_id)  # asked through another replica
            self._mirror(db, info)
        if time.monotonic() - self._beat > HEARTBEAT_S:
            self._beat = time.monotonic()
            db.heartbeat(list(self.live))
        db.expire(backend="local", older_than_s=LOCAL_STALE_S, message=LOCAL_LOST)

    def _reap_dead_servers(self, db: JobStore) -> None:
        """At start-up, say at once (not after LOCAL_STALE_S) that runs of a dead server on this
        host are lost: its pid no longer exists (a restart gives the app a new one)."""
        host = self.name.rsplit(":", 2)[0]
        for record in db.jobs(states=UNFINISHED, backend="local"):
            where, _, rest = (record.runner or "").rpartition(":")[0].rpartition(":")
            pid = rest
            if where == host and pid.isdigit() and not _pid_alive(int(pid)):
                db.finish(record.id, "failed", error=LOCAL_LOST)

    def _mirror(self, db: JobStore, info: JobInfo) -> None:
        seen = (info.state, info.progress, len(info.losses))
        if seen == self.live.get(info.id):
            return
        if info.state == "running" and self.live[info.id][0] == "queued":
            db.start(info.id, self.name)
        if info.finished:
            db.finish(info.id, info.state, result=info.result, error=info.error, detail=info.detail,
                      exitcode=info.exitcode, progress=info.progress, losses=info.losses)
            self.live.pop(info.id)
            return
        if info.state == "running":
            db.progress(info.id, info.progress, info.losses)
        self.live[info.id] = seen

    def shutdown(self, db: JobStore) -> None:
        self.queue.shutdown()
        self.sync(db)  # record the cancellations


class SharedQueue:
    """Lab jobs for every app replica: see the module docstring."""

    def __init__(self, runner, *, store_url: str | None = None, max_queued: int = 3, caps: Caps | None = None):
        self.url = database_url(store_url)
        self.db = JobStore(Store(self.url))
        self.runner = runner
        self.backend = runner.backend
        self.caps = caps or Caps(per_learner=max_queued)
        self.max_queued = self.caps.per_learner
        self._stop = threading.Event()
        self._news = threading.Event()  # a job started, ended or reported its first loss: sync now
        self._lock = threading.Lock()  # the sync thread and a page's submit both touch the runner
        runner.listen(self._news.set)
        self._thread = threading.Thread(target=self._sync_loop, name="lora-lab-sync", daemon=True)
        self._thread.start()

    def warm(self) -> None:
        """Have the warm worker made ready now rather than at the first run (see `from_env`)."""
        self.runner.warm()

    @classmethod
    def from_env(cls, store_url: str | None = None, *, needs: str | None = None,
                 warmup: str | None = None) -> SharedQueue:
        """The local queue, or Ray when LORA_LAB_RAY_ADDRESS is set. Both given by name ("module:function"):
        `needs` (a job's kwargs -> bytes) sizes each Ray job's share of a GPU; `warmup` is what the warm
        worker runs once (engine/jobs/template.py), here or on each Ray node."""
        address = os.environ.get("LORA_LAB_RAY_ADDRESS", "").strip()
        url = database_url(store_url)
        if address:
            from engine.jobs.ray_backend import RayRunner

            runner = RayRunner(address, url, needs=needs, warmup=warmup)
        else:
            runner = LocalRunner(JobQueue.from_env(warmup=warmup), runner_name())
        return cls(runner, store_url=url, caps=Caps.from_env())

    # ---- the API the pages call (the JobQueue's) ---------------------------------------
    def submit_group(self, target: str, kwargs_by_label: dict[str, dict], *, device: str | None = None,
                     owner: str | None = None, submitter: str | None = None,
                     anonymous_from: str | None = None) -> dict[str, str]:
        """Queue one job per label for `owner`, all or none; label -> job id. `anonymous_from` is the
        client address of an owner who has not signed in. QueueFull past a cap (fair.Caps)."""
        owner = owner or "anonymous"
        if self.caps.sign_in and anonymous_from is not None:
            raise QueueFull("This server runs the lab for signed-in learners only: sign in on the Progress page, "
                            "then press Start again.")
        group = f"group-{os.urandom(4).hex()}"
        device = device or self.runner.device()
        ids = {label: f"job-{os.urandom(6).hex()}" for label in kwargs_by_label}
        rows = [dict(id=ids[label], label=label, grp=group, target=target, backend=self.backend, device=device,
                     settings=kwargs, resources=self.runner.resources(kwargs), **self.runner.claim_fields())
                for label, kwargs in kwargs_by_label.items()]
        with self._lock:
            self.db.add(rows, owner=owner, cap=self.caps.per_learner, submitter=submitter, client=anonymous_from,
                        client_cap=self.caps.per_address, total_cap=self.caps.total)
            self.runner.accept(rows, {ids[label]: kw for label, kw in kwargs_by_label.items()}, owner)
        return ids

    def submit(self, target: str, kwargs: dict | None = None, *, label: str = "", owner: str | None = None,
               **options) -> str:
        label = label or target
        return self.submit_group(target, {label: dict(kwargs or {})}, owner=owner, **options)[label]

    def status(self, job_id: str) -> JobInfo | None:
        record = self.db.get(job_id)
        if record is None:
            return None
        return to_info(record, self._place(record) if record.state == "queued" else None)

    def jobs(self, *, owner: str | None = None, since: float | None = None) -> list[JobInfo]:
        """Every unfinished job (of `owner`), and the newest SHOWN finished ones, oldest first."""
        records = (self.db.jobs(owner=owner, since=since, states=UNFINISHED)
                   + self.db.jobs(owner=owner, since=since, states=FINISHED, limit=SHOWN))
        return [to_info(r) for r in sorted(records, key=lambda r: (r.submitted_at, r.id))]

    def cancel(self, job_id: str) -> bool:
        """Queued: cancelled at once. Started: its runner is asked to stop (and made to, after a grace).
        False if the job is unknown or already finished."""
        record = self.db.get(job_id)
        if record is None or record.finished:
            return False
        if not self.db.cancel_queued(job_id):
            self.db.request_cancel(job_id)
        with self._lock:
            self.runner.cancel(self.db, job_id)
        return True

    def wait(self, job_id: str, timeout: float = 60.0) -> JobInfo | None:
        return wait_for(self.status, job_id, timeout, 0.1)

    def summary(self, *, since: float | None = None) -> dict:
        return self.db.summary(since=since)

    def shutdown(self) -> None:
        """Stop this replica's sync thread; the local queue's jobs are cancelled, Ray's keep going."""
        self._stop.set()
        self._news.set()
        self._thread.join(timeout=5.0)
        with self._lock:
            self.runner.shutdown(self.db)
        self.db.store.close()

    # ---- inside ---------------------------------------------------------------------------
    def _place(self, record: JobRecord) -> int | None:
        same = [r for r in self.db.jobs(states=UNFINISHED, backend=record.backend) if r.device == record.device]
        queued = [r for r in same if r.state == "queued"]
        order = fair_order(queued, self.db.last_served(backend=record.backend))
        ids = [r.id for r in order]
        return ids.index(record.id) + 1 if record.id in ids else None

    def _sync_loop(self) -> None:
        """Every SYNC_S while this replica runs jobs, at once on news, else every IDLE_SYNC_S: an idle
        server does a few database reads a minute, not two a second."""
        while not self._stop.is_set():
            self._news.wait(SYNC_S if self.runner.busy() else IDLE_SYNC_S)
            self._news.clear()
            if self._stop.is_set():
                return
            try:
                with self._lock:
                    self.runner.sync(self.db)
            except Exception:  # a database hiccup must not stop every later round
                log.exception("lab queue: sync round failed; carrying on")

