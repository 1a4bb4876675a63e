"""What runs on the Ray cluster: one dispatcher per database, one actor per job.

    Dispatcher "lora-lab-dispatcher-<hash of the database URL>"  (detached, 0 CPUs)
      every SYNC_S: read queued ray jobs ─▶ fair turns (fair.py) ─▶ while the cluster has room:
      claim the job, start ─▶ JobActor "lora-lab-<job id>" (detached, its GPU share or CPUs)
                                │ thread: its node's WarmNode ─fork─▶ worker ─▶ the job's function
                                │         (ray_warm.py; without a warm-up: JobQueue(1) ─spawn─▶ worker)
                                └── start / progress / finish ──▶ progress database
      every WATCH_S: a started job whose actor vanished without an end is marked failed

Why detached actors (Ray docs, "Named Actors" and "Actor Lifetimes"): they belong to the
cluster, not to the app process that asked, so killing or restarting every app replica
stops neither a running job nor the turns of the waiting ones, and any replica finds them
by name. One dispatcher per database, found or made with get_if_exists, gives one
decider for the turns; it ends itself after IDLE_S seconds with nothing to do, and the
next replica that queues a job starts it again. A job runs exactly as on the local queue
(engine/jobs/queue.py: a worker process of its own, forked warm or spawned), so a crash or an
out-of-memory kill gives the same sentence (worker.describe_exit), and Cancel the same
should_stop, then terminate, then kill.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
import zlib

import ray

from engine.jobs.fair import fair_order
from engine.jobs.queue import JobQueue
from engine.jobs.ray_warm import NAMESPACE, NodeQueue
from engine.progress.jobs import UNFINISHED, JobStore
from engine.progress.store import Store

log = logging.getLogger(__name__)
SYNC_S = 0.5  # seconds between the dispatcher's rounds
WATCH_S = 5.0  # how often it looks for actors that vanished
STALE_S = 30.0  # a started job whose actor has not written for this long is looked for
IDLE_S = 60.0  # a dispatcher with no unfinished job for this long ends itself
LOST = ("the Ray worker running this job is gone before it reported a result: its node stopped, it was "
        "killed, or Ray's memory monitor ended it when the node ran out of memory; press Start again")


def actor_name(job_id: str) -> str:
    return f"lora-lab-{job_id}"


def dispatcher_name(url: str) -> str:
    return f"lora-lab-dispatcher-{zlib.crc32(url.encode()):08x}"  # a hash: the URL may hold a password


def _threads_granted() -> int | None:
    """torch threads for the worker: the CPUs Ray granted this actor (LORA_LAB_RAY_CPUS), at least one,
    so runs that share a node never oversubscribe it (engine/jobs/threads.py); None outside Ray."""
    try:
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 0)
    except Exception:  # noqa: BLE001 - not in a Ray worker (a unit test): torch's default
        return None
    return max(1, int(cpus))


def run_job(job_id: str, url: str, target: str, kwargs: dict, stop: threading.Event, grace_s: float,
            warmup: str | None = None) -> None:
    """Inside a JobActor: run one job in a worker process and write its life to the database. With a
    `warmup`, the worker is forked from this node's warm template (engine/jobs/ray_warm.py); without,
    spawned here."""
    db = JobStore(Store(url))
    try:
        record = db.get(job_id)
        if record is None or record.cancel_requested:  # cancelled while it waited for resources
            db.finish(job_id, "cancelled")
            return
        if not db.start(job_id, actor_name(job_id)):
            return
        queue = NodeQueue(warmup, grace_s) if warmup else JobQueue(max_running=1, stop_grace_s=grace_s, keep_finished=1)
        # kwargs as stored (JSON): the target revives them
        queue.submit(target, kwargs, label=job_id, job_id=job_id, threads=_threads_granted())
        seen, beat, checked = None, 0.0, 0.0
        while not (info := queue.status(job_id)).finished:
            now = time.monotonic()
            if now - checked > 1.0:  # Cancel pressed on any replica sets this flag
                checked = now
                if stop.is_set() or db.get(job_id).cancel_requested:
                    queue.cancel(job_id)
            if (info.progress, len(info.losses)) != seen or now - beat > 5.0:
                seen, beat = (info.progress, len(info.losses)), now
                db.progress(job_id, info.progress, info.losses)
            time.sleep(0.25)
        db.finish(job_id, info.state, result=info.result, error=info.error, detail=info.detail,
                  exitcode=info.exitcode, progress=info.progress, losses=info.losses)
        queue.shutdown(timeout=5.0)
    except Exception as exc:  # the database or the worker machinery failed: say so on the job
        log.exception("lab job %s failed in its Ray actor", job_id)
        try:
            db.finish(job_id, "failed", error=f"the Ray worker could not run the job: {type(exc).__name__}: {exc}",
                      detail=traceback.format_exc())
        except Exception:
            log.exception("could not record the failure of lab job %s", job_id)
    finally:
        db.store.close()


def _end_self() -> None:
    ray.kill(ray.get_runtime_context().current_actor)  # gives its resources back to the cluster


@ray.remote(max_concurrency=4, max_restarts=0)
class JobActor:
    """One lab job, detached from the app that asked for it."""

    def __init__(self, job_id: str, url: str, target: str, kwargs: dict, grace_s: float = 5.0,
                 warmup: str | None = None):
        self._stop = threading.Event()
        threading.Thread(target=self._run, args=(job_id, url, target, kwargs, grace_s, warmup), daemon=True).start()

    def _run(self, job_id, url, target, kwargs, grace_s, warmup) -> None:
        try:
            run_job(job_id, url, target, kwargs, self._stop, grace_s, warmup)
        finally:
            _end_self()

    def stop(self) -> bool:
        self._stop.set()
        return True


def dispatch(db: JobStore, jobs: list, url: str, grace_s: float, warmup: str | None = None) -> None:
    """Start waiting jobs in fair turns while the cluster has room for them."""
    waiting = [j for j in jobs if j.state == "queued" and j.dispatched_at is None]
    if not waiting:
        return
    free = dict(ray.available_resources())
    for job in jobs:  # handed over but not placed yet: Ray has not subtracted them
        if job.state == "queued" and job.dispatched_at is not None:
            for key, amount in job.resources.items():
                free[key] = free.get(key, 0.0) - amount
    for job in fair_order(waiting, db.last_served(backend="ray")):
        if any(free.get(key, 0.0) + 1e-9 < amount for key, amount in job.resources.items()):
            break  # strict turns: a later, smaller job does not jump the queue
        if db.claim(job.id, actor_name(job.id)):
            JobActor.options(name=actor_name(job.id), namespace=NAMESPACE, lifetime="detached",
                             num_cpus=job.resources.get("CPU", 1), num_gpus=job.resources.get("GPU", 0)
                             ).remote(job.id, url, job.target, job.settings, grace_s, warmup)
            for key, amount in job.resources.items():
                free[key] = free.get(key, 0.0) - amount


def watch(db: JobStore, jobs: list) -> None:
    """Fail started jobs whose actor vanished without writing an end (node lost, actor killed)."""
    cutoff = time.time() - STALE_S
    for job in jobs:
        last = job.heartbeat_at or job.dispatched_at
        if job.dispatched_at is None or last is None or last > cutoff:
            continue
        try:
            ray.get_actor(actor_name(job.id), namespace=NAMESPACE)
        except ValueError:
            latest = db.get(job.id)
            if latest is not None and not latest.finished:
                db.finish(job.id, "failed", error=LOST)


@ray.remote(num_cpus=0, max_concurrency=4, max_restarts=0)
class Dispatcher:
    """Hands one database's waiting ray jobs to the cluster in fair turns (see the module docstring)."""

    def __init__(self, url: str, grace_s: float = 5.0, warmup: str | None = None):
        self._wake = threading.Event()
        threading.Thread(target=self._loop, args=(url, grace_s, warmup), daemon=True).start()

    def _loop(self, url: str, grace_s: float, warmup: str | None) -> None:
        db, watched, busy = JobStore(Store(url)), 0.0, time.monotonic()
        try:
            while time.monotonic() - busy < IDLE_S:
                try:
                    jobs = db.jobs(states=UNFINISHED, backend="ray")
                    dispatch(db, jobs, url, grace_s, warmup)
                    if time.monotonic() - watched > WATCH_S:
                        watched = time.monotonic()
                        watch(db, jobs)
                    busy = time.monotonic() if jobs else busy
                except Exception:  # a database hiccup must not end the turns of every later job
                    log.exception("lab dispatcher: round failed; carrying on")
                self._wake.wait(SYNC_S)
                self._wake.clear()
        finally:
            db.store.close()
            _end_self()

    def wake(self) -> bool:
        self._wake.set()
        return True
