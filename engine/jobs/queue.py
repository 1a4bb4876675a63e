"""The lab's background job queue: each job in its own worker process, one queue per server.

    browser sessions ──submit/cancel/status──▶ JobQueue (server process, one per app)
                                                 │  pump thread: start, drain, reap
                          ┌──────────────────────┼──────────────────────┐
                    spawn │ Pipe (progress,      │ Event (should_stop)  │ sentinel (exit code)
                          ▼  result, error)      ▼                      ▼
                      worker process: import "module:function", call it, send the result

Why processes and not threads: training holds the GIL for long stretches and may
take gigabytes; a worker that crashes or is OOM-killed takes only itself down, and
its memory goes back to the OS when it exits. The "spawn" start method gives a fresh
interpreter (no forked Streamlit or torch state), so only the worker imports torch
(Python docs, multiprocessing, "Contexts and start methods").

One pipe per job rather than one shared `multiprocessing.Queue`: a worker killed
while writing to a shared queue can leave its lock held and hang every other job;
a broken per-job pipe harms nobody else (Python docs, multiprocessing, "Pipes and Queues").

Jobs on one device run `max_running` at a time (default 1, env `LORA_LAB_MAX_JOBS`, cut
to the free CPUs), learners taking turns (engine/jobs/fair.py), in submission order among
one learner's jobs, each with `threads` torch threads (engine/jobs/threads.py: never more
threads in all than CPUs). Session state in the UI keeps only job ids; the queue lives in
the server process, so a rerun or a closed tab never stops or orphans a job.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing as mp
import os
import threading
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import wait
from typing import Any

from engine.jobs.fair import fair_order, last_served
from engine.jobs.job import JobInfo, State, default_device, max_jobs_from_env, wait_for
from engine.jobs.threads import plan_for_this_machine
from engine.jobs.worker import WORKER_PREFIX, describe_exit, install_main_guard, worker_main

log = logging.getLogger(__name__)

@dataclass
class _Job:
    info: JobInfo
    kwargs: dict
    process: Any = None  # multiprocessing Process, once started
    conn: Any = None  # parent end of the job's pipe
    stop: Any = None  # multiprocessing Event the worker polls through should_stop()
    cancel_at: float | None = None  # time.monotonic() when cancel was asked, seconds
    final: tuple | None = None  # the worker's last message: ("done", result) / ("failed", msg, tb) / ("cancelled",)


class JobQueue:
    """Run "module:function" jobs in spawned worker processes, `max_running` per device."""

    def __init__(self, *, max_running: int = 1, threads: int | None = None, stop_grace_s: float = 5.0,
                 keep_finished: int = 200):
        if not 1 <= max_running <= 16:
            raise ValueError(f"max_running must be 1-16, not {max_running}")
        self.max_running = max_running
        self.threads = threads  # torch threads per worker; None: torch's default (every core)
        self.stop_grace_s = stop_grace_s  # seconds a cancelled worker gets before terminate()
        self.keep_finished = keep_finished  # finished jobs remembered for late readers
        install_main_guard()
        self._ctx = mp.get_context("spawn")
        self._jobs: dict[str, _Job] = {}  # insertion order = submission order
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._ids = itertools.count(1)
        self._closed = False
        self._thread = threading.Thread(target=self._pump, name="lora-lab-jobs", daemon=True)
        self._thread.start()

    @classmethod
    def from_env(cls) -> "JobQueue":
        """LORA_LAB_MAX_JOBS jobs at once, cut to the free CPUs, with the thread rule's threads each."""
        asked = max_jobs_from_env()
        plan = plan_for_this_machine(asked)
        if plan.jobs < asked:
            log.warning("LORA_LAB_MAX_JOBS=%d asks for more jobs than the %.1f usable CPUs hold; running %d at once",
                        asked, plan.usable_cpus, plan.jobs)
        return cls(max_running=plan.jobs, threads=plan.threads)

    # ---- the API the UI calls -------------------------------------------------
    def submit(self, target: str, kwargs: dict | None = None, *, label: str = "", group: str | None = None,
               device: str | None = None, owner: str | None = None, job_id: str | None = None) -> str:
        """Queue `target(**kwargs, on_progress=..., should_stop=...)`; returns the job id (`job_id` if given)."""
        if ":" not in target:
            raise ValueError(f"job target must be 'module:function', not {target!r}")
        with self._lock:
            if self._closed:
                raise RuntimeError("the job queue is shut down")
            job_id = job_id or f"job-{next(self._ids)}-{os.urandom(3).hex()}"
            if job_id in self._jobs:
                raise ValueError(f"job id {job_id!r} is already in the queue")
            info = JobInfo(id=job_id, target=target, label=label or target, group=group,
                           device=device or default_device(), submitted_at=time.time(), owner=owner)
            self._jobs[job_id] = _Job(info=info, kwargs=dict(kwargs or {}))
        self._wake.set()
        return job_id

    def submit_group(self, target: str, kwargs_by_label: dict[str, dict], *, device: str | None = None,
                     owner: str | None = None) -> dict[str, str]:
        """Submit several jobs as one comparison (e.g. full, lora, qlora); returns label -> job id."""
        group = f"group-{os.urandom(4).hex()}"
        return {label: self.submit(target, kwargs, label=label, group=group, device=device, owner=owner)
                for label, kwargs in kwargs_by_label.items()}

    def status(self, job_id: str) -> JobInfo | None:
        """A snapshot of the job, or None if the id is unknown (or long forgotten)."""
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else self._snapshot(job)

    def jobs(self, *, owner: str | None = None) -> list[JobInfo]:
        with self._lock:
            return [self._snapshot(job) for job in self._jobs.values() if owner is None or job.info.owner == owner]

    def cancel(self, job_id: str) -> bool:
        """Queued: removed at once. Running: asked to stop, then terminated after `stop_grace_s`.
        Returns False if the job is unknown or already finished."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None or job.info.finished:
                return False
            if job.info.state == "queued":
                self._finish(job, "cancelled")
            elif job.cancel_at is None:
                job.cancel_at = time.monotonic()
                job.stop.set()
        self._wake.set()
        return True

    def wait(self, job_id: str, timeout: float = 60.0) -> JobInfo | None:
        """Block until the job finishes (for the CLI and tests); TimeoutError after `timeout` s."""
        return wait_for(self.status, job_id, timeout, 0.05)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel everything, stop the workers and the pump thread."""
        with self._lock:
            self._closed = True
            ids = [j.info.id for j in self._jobs.values() if not j.info.finished]
        for job_id in ids:
            self.cancel(job_id)
        deadline = time.monotonic() + timeout
        while any(not j.info.finished for j in list(self._jobs.values())) and time.monotonic() < deadline:
            time.sleep(0.05)
        self._wake.set()
        self._thread.join(timeout=1.0)

    # ---- the pump thread ------------------------------------------------------
    def _pump(self) -> None:
        """One thread does all the work on live jobs, so their state changes never race."""
        while True:
            try:
                if self._round():
                    return
            except Exception:  # a bug here must not silently stop every later job
                log.exception("job queue: error in the pump thread; carrying on")
                time.sleep(0.5)

    def _round(self) -> bool:
        """Start what may start, wait up to 0.1 s for news, drain and reap. True once shut down."""
        with self._lock:
            self._start_ready()
            running = [j for j in self._jobs.values() if j.info.state == "running"]
            if self._closed and not running:
                return True
        if not running:
            self._wake.wait(timeout=1.0)
            self._wake.clear()
            return False
        wait([j.conn for j in running] + [j.process.sentinel for j in running], timeout=0.1)
        for job in running:
            self._drain(job)
            self._reap_or_enforce(job)
        return False

    def _start_ready(self) -> None:
        """Start queued jobs, learners in turn, while their device has a free slot (lock held)."""
        busy: dict[str, int] = {}
        for job in self._jobs.values():
            if job.info.state == "running":
                busy[job.info.device] = busy.get(job.info.device, 0) + 1
        for job in self._in_turn():  # a list: a failed start may prune the dict
            if job.info.state == "queued" and busy.get(job.info.device, 0) < self.max_running:
                self._start(job)
                busy[job.info.device] = busy.get(job.info.device, 0) + 1

    def _start(self, job: _Job) -> None:
        child = None
        try:
            job.conn, child = self._ctx.Pipe(duplex=False)
            job.stop = self._ctx.Event()
            job.process = self._ctx.Process(target=worker_main,
                                            args=(job.info.target, job.kwargs, child, job.stop, self.threads),
                                            name=f"{WORKER_PREFIX}-{job.info.id}", daemon=True)
            job.process.start()
        except Exception as exc:  # e.g. out of file descriptors, memory, or kwargs that cannot be pickled
            self._finish(job, "failed", error=f"could not start a worker process: {type(exc).__name__}: {exc}")
            if job.conn is not None:
                job.conn.close()
            job.process = None
            return
        finally:
            if child is not None:
                child.close()  # the worker holds its own copy; ours must close so EOF is seen
        job.info.state, job.info.started_at = "running", time.time()

    def _drain(self, job: _Job) -> None:
        """Read every message the worker has sent so far."""
        try:
            while job.conn.poll():
                message = job.conn.recv()
                if message[0] == "progress":
                    self._on_progress(job, message[1])
                else:
                    job.final = message
        except (EOFError, OSError):
            pass  # the worker is gone; its exit code tells why
        except Exception as exc:  # a result that cannot be unpickled here
            job.final = ("failed", f"the job's result could not be read: {exc}", None)

    def _on_progress(self, job: _Job, payload: dict) -> None:
        with self._lock:
            job.info.progress = dict(payload)
            loss = payload.get("loss")
            if isinstance(loss, (int, float)):
                job.info.losses.append(float(loss))

    def _reap_or_enforce(self, job: _Job) -> None:
        """Record a job whose worker exited; terminate a cancelled one that lingers."""
        process = job.process
        if process.is_alive():
            if job.cancel_at is not None:
                overdue = time.monotonic() - job.cancel_at - self.stop_grace_s
                if overdue > 3.0:
                    process.kill()  # SIGKILL: terminate() was ignored
                elif overdue > 0:
                    process.terminate()  # SIGTERM: it did not stop at should_stop()
            return
        process.join()
        self._drain(job)  # anything sent just before exit
        final = job.final or ()
        with self._lock:
            job.info.exitcode = process.exitcode
            if final[:1] == ("done",):
                self._finish(job, "done", result=final[1])
            elif job.cancel_at is not None or final[:1] == ("cancelled",):
                self._finish(job, "cancelled")
            elif final[:1] == ("failed",):
                self._finish(job, "failed", error=final[1], detail=final[2])
            else:
                self._finish(job, "failed", error=describe_exit(process.exitcode))
        job.conn.close()
        process.close()
        job.process = None

    def _finish(self, job: _Job, state: State, **fields: Any) -> None:
        """Mark a job finished and forget the oldest finished jobs beyond `keep_finished` (lock held)."""
        for name, value in fields.items():
            setattr(job.info, name, value)
        job.info.state, job.info.finished_at = state, time.time()
        finished = [k for k, j in self._jobs.items() if j.info.finished]
        for key in finished[: max(0, len(finished) - self.keep_finished)]:
            del self._jobs[key]

    def _in_turn(self) -> list[_Job]:
        """Queued jobs in the order they start (engine/jobs/fair.py; lock held)."""
        queued = [j.info for j in self._jobs.values() if j.info.state == "queued"]
        served = last_served(j.info for j in self._jobs.values())
        return [self._jobs[info.id] for info in fair_order(queued, served)]

    def _snapshot(self, job: _Job) -> JobInfo:
        place = None
        if job.info.state == "queued":
            ahead = [j for j in self._in_turn() if j.info.device == job.info.device]
            place = [j.info.id for j in ahead].index(job.info.id) + 1
        return replace(job.info, place=place, progress=dict(job.info.progress), losses=list(job.info.losses))
