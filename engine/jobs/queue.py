"""The background job queue: each job in a worker process of its own, one queue per server.

    browser sessions ──submit/cancel/status──▶ JobQueue (server process, one per app)
                                                 ├─ state.py    JobTable: the jobs, their order, snapshots
                                                 ├─ pump.py     one thread: start, listen, reap, enforce cancels
                                                 └─ workers.py  Launcher: a fork of the warm template
                                                                (template.py), or a cold spawn
                          worker process (worker.py): the job by name, progress and result over a pipe

Why processes and not threads: training holds the GIL for long stretches and may take
gigabytes; a worker that crashes or is OOM-killed takes only itself down, and its memory
goes back to the OS when it exits. One pipe per job rather than one shared
`multiprocessing.Queue`: a worker killed while writing to a shared queue can leave its lock
held and hang every other job; a broken per-job pipe harms nobody else (Python docs,
multiprocessing, "Pipes and Queues").

Warm workers: with `warmup="module:function"` (the lab's: engine/lab/warmup.py), the
queue keeps one warm template process that has run it once (imported torch and the
libraries, loaded the model), and forks each job's worker from it, so a job starts in
milliseconds instead of after 5-6 s of imports. One template per queue serves every device
of this machine; LORA_LAB_WARM_WORKER=off turns it off (cold workers, as before).

Jobs on one device run `max_running` at a time (default 1, env `LORA_LAB_MAX_JOBS`, cut
to the free CPUs), learners taking turns (engine/jobs/fair.py), in submission order among
one learner's jobs, each with `threads` torch threads (engine/jobs/threads.py: never more
threads in all than CPUs). Session state in the UI keeps only job ids; the queue lives in
the server process, so a rerun or a closed tab never stops or orphans a job.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from engine.jobs.job import JobInfo, default_device, max_jobs_from_env, wait_for, warm_workers_from_env
from engine.jobs.pump import Pump
from engine.jobs.state import JobTable
from engine.jobs.threads import plan_for_this_machine
from engine.jobs.worker import describe_exit  # noqa: F401 - part of the queue's vocabulary for callers
from engine.jobs.workers import Launcher

log = logging.getLogger(__name__)


class JobQueue:
    """Run "module:function" jobs in worker processes, `max_running` per device."""

    def __init__(self, *, max_running: int = 1, threads: int | None = None, stop_grace_s: float = 5.0,
                 keep_finished: int = 200, warmup: str | None = None, on_change: Callable[[], None] | None = None):
        if not 1 <= max_running <= 256:
            raise ValueError(f"max_running must be 1-256, not {max_running}")
        self.max_running = max_running
        self.threads = threads  # torch threads per worker; None: torch's default (every core)
        self.launcher = Launcher(threads=threads, warmup=warmup)
        self.table = JobTable(keep_finished)
        self.pump = Pump(self.table, self.launcher, max_running=max_running, stop_grace_s=stop_grace_s,
                         on_change=on_change)

    @classmethod
    def from_env(cls, *, warmup: str | None = None, on_change: Callable[[], None] | None = None) -> "JobQueue":
        """LORA_LAB_MAX_JOBS jobs at once, cut to the free CPUs, with the thread rule's threads each;
        a warm template for `warmup` unless LORA_LAB_WARM_WORKER=off."""
        asked = max_jobs_from_env()
        plan = plan_for_this_machine(asked)
        if plan.jobs < asked:
            log.warning("LORA_LAB_MAX_JOBS=%d asks for more jobs than the %.1f usable CPUs hold; running %d at once",
                        asked, plan.usable_cpus, plan.jobs)
        return cls(max_running=plan.jobs, threads=plan.threads, warmup=warmup if warm_workers_from_env() else None,
                   on_change=on_change)

    @property
    def on_change(self) -> Callable[[], None]:
        """Called (from the pump thread) when a job starts, ends, or reports its first loss."""
        return self.pump.on_change

    @on_change.setter
    def on_change(self, callback: Callable[[], None]) -> None:
        self.pump.on_change = callback

    # ---- the API the UI calls -------------------------------------------------
    def warm(self) -> None:
        """Have the warm template made ready now (the Lab page opened, say), not at the first job."""
        self.pump.warm_asked = True
        self.pump.wake.set()

    def submit(self, target: str, kwargs: dict | None = None, *, label: str = "", group: str | None = None,
               device: str | None = None, owner: str | None = None, job_id: str | None = None,
               threads: int | None = None, env: dict | None = None, anonymous_from: str | None = None) -> str:
        """Queue `target(**kwargs, on_progress=..., should_stop=...)`; returns the job id (`job_id` if given).
        `threads`: torch threads for this job's worker instead of the queue's; `env`: variables its
        worker sets before the job starts (CUDA_VISIBLE_DEVICES of the Ray actor it runs for, say).
        `anonymous_from` is taken for the shared queue's signature: this one has no caps of its own."""
        if ":" not in target:
            raise ValueError(f"job target must be 'module:function', not {target!r}")
        if self.pump.closed:
            raise RuntimeError("the job queue is shut down")
        info = JobInfo(id=job_id or "", target=target, label=label or target, group=group,
                       device=device or default_device(), submitted_at=time.time(), owner=owner)
        job_id = self.table.add(info, dict(kwargs or {}), threads, env)
        self.pump.wake.set()
        return job_id

    def submit_group(self, target: str, kwargs_by_label: dict[str, dict], *, device: str | None = None,
                     owner: str | None = None, anonymous_from: str | None = None) -> dict[str, str]:
        """Submit several jobs as one comparison (e.g. full, lora, qlora); returns label -> job id."""
        group = f"group-{os.urandom(4).hex()}"
        return {label: self.submit(target, kwargs, label=label, group=group, device=device, owner=owner)
                for label, kwargs in kwargs_by_label.items()}

    def status(self, job_id: str) -> JobInfo | None:
        """A snapshot of the job, or None if the id is unknown (or long forgotten)."""
        return self.table.snapshot(job_id)

    def jobs(self, *, owner: str | None = None) -> list[JobInfo]:
        return self.table.snapshots(owner)

    def cancel(self, job_id: str) -> bool:
        """Queued: removed at once. Running: asked to stop, then terminated after `stop_grace_s`.
        Returns False if the job is unknown or already finished."""
        with self.table.lock:
            job = self.table.get(job_id)
            if job is None or job.info.finished:
                return False
            if job.info.state == "queued":
                self.table.finish(job, "cancelled")
            elif job.cancel_at is None:
                job.cancel_at = time.monotonic()
                job.worker.stop()
        self.pump.wake.set()
        return True

    def wait(self, job_id: str, timeout: float = 60.0) -> JobInfo | None:
        """Block until the job finishes (for the CLI and tests); TimeoutError after `timeout` s."""
        return wait_for(self.status, job_id, timeout, 0.05)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel everything, stop the workers, the pump thread and the warm template."""
        self.pump.closed = True
        for job_id in self.table.unfinished_ids():
            self.cancel(job_id)
        deadline = time.monotonic() + timeout
        while self.table.unfinished_ids() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.pump.join(timeout=1.0)
        self.launcher.shutdown()
