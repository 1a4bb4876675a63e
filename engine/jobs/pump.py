"""The job queue's one thread: it starts queued jobs, listens to running workers, and ends them.

    every round:  start what may start (engine/jobs/state.py: fair turns, a free slot on the device;
                  engine/jobs/workers.py: forked warm or spawned cold)
                  wait up to 0.1 s for news: a worker's pipe or its sentinel
                  drain every message: progress (and its loss), or the final one
                  reap a worker that exited: done | failed | cancelled, from its final message
                  or, without one, from its exit code (worker.describe_exit)
                  enforce a cancel: stop asked → SIGTERM after the grace → SIGKILL 3 s later

One thread does all the work on live jobs, so their state changes never race; pages only
read snapshots. With nothing running it sleeps until a job is submitted (or 1 s passes). It also
starts the warm template (engine/jobs/template.py), ahead of the first job once `warm_asked`:
a process ends with the thread that started it (worker.end_with_parent), and this one lasts.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait

from engine.jobs.state import Job, JobTable
from engine.jobs.worker import describe_exit
from engine.jobs.workers import Launcher

log = logging.getLogger(__name__)
KILL_AFTER_S = 3.0  # seconds after SIGTERM before SIGKILL


class Pump:
    def __init__(self, table: JobTable, launcher: Launcher, *, max_running: int, stop_grace_s: float,
                 on_change: Callable[[], None] | None = None):
        self.table, self.launcher = table, launcher
        self.max_running = max_running
        self.stop_grace_s = stop_grace_s  # seconds a cancelled worker gets before terminate()
        self.on_change = on_change or (lambda: None)  # told when a job starts, ends or reports its first loss
        self.wake = threading.Event()  # set by submit, cancel and warm
        self.warm_asked = False  # keep the warm template ready even before the first job
        self.closed = False
        self._thread = threading.Thread(target=self._loop, name="lora-lab-jobs", daemon=True)
        self._thread.start()

    def join(self, timeout: float) -> None:
        self.wake.set()
        self._thread.join(timeout=timeout)

    def _loop(self) -> None:
        while True:
            try:
                if self._round():
                    return
            except Exception:  # a bug here must not silently stop every later job
                log.exception("job queue: error in the pump thread; carrying on")
                time.sleep(0.5)

    def _round(self) -> bool:
        """Start what may start, wait up to 0.1 s for news, drain and reap. True once shut down."""
        with self.table.lock:
            queued = self.table.has_queued()
            started = self._start_ready(warm=(self.warm_asked or queued) and not self.closed)
            running = self.table.running()
            if self.closed and not running:
                return True
        if started:
            self.on_change()
        waiting = self.launcher.waiting_on() if queued else []
        if not running and not waiting:
            self.wake.wait(timeout=1.0)
            self.wake.clear()
            return False
        wait([j.worker.conn for j in running] + [j.worker.sentinel for j in running] + waiting, timeout=0.1)
        changed = [self._drain(job) | self._reap_or_enforce(job) for job in running]
        if any(changed):
            self.on_change()
        return False

    def _start_ready(self, *, warm: bool) -> bool:
        """Start queued jobs, learners in turn, while their device has a free slot (lock held)."""
        if not self.launcher.ready(warm=warm):
            return False  # the warm template is warming up: starting cold beside it would be slower
        startable = self.table.startable(self.max_running)
        for job in startable:
            self._start(job)
        return bool(startable)

    def _start(self, job: Job) -> None:
        try:
            job.worker = self.launcher.start(job.info.id, job.info.target, job.kwargs, job.threads, job.env)
        except Exception as exc:  # e.g. out of file descriptors, memory, or kwargs that cannot be pickled
            self.table.finish(job, "failed", error=f"could not start a worker process: {type(exc).__name__}: {exc}")
            return
        job.info.state, job.info.started_at = "running", time.time()

    def _drain(self, job: Job) -> bool:
        """Read every message the worker has sent so far; True on news worth telling at once
        (its first loss, or its final message), not on every step's progress."""
        news = False
        try:
            while job.worker.conn.poll():
                message = job.worker.conn.recv()
                if message[0] == "progress":
                    first = not job.info.losses
                    self._on_progress(job, message[1])
                    news |= first and bool(job.info.losses)
                else:
                    job.final, news = message, True
        except (EOFError, OSError):
            pass  # the worker is gone; its exit code tells why
        except Exception as exc:  # a result that cannot be unpickled here
            job.final = ("failed", f"the job's result could not be read: {exc}", None)
        return news

    def _on_progress(self, job: Job, payload: dict) -> None:
        with self.table.lock:
            job.info.progress = dict(payload)
            loss = payload.get("loss")
            if isinstance(loss, (int, float)):
                job.info.losses.append(float(loss))

    def _reap_or_enforce(self, job: Job) -> bool:
        """Record a job whose worker exited (True); terminate a cancelled one that lingers."""
        worker = job.worker
        if worker.alive():
            if job.cancel_at is not None:
                overdue = time.monotonic() - job.cancel_at - self.stop_grace_s
                if overdue > KILL_AFTER_S:
                    worker.kill()  # SIGKILL: terminate() was ignored
                elif overdue > 0:
                    worker.terminate()  # SIGTERM: it did not stop at should_stop()
            return False
        exitcode = worker.exitcode()
        self._drain(job)  # anything sent just before exit
        final = job.final or ()
        with self.table.lock:
            job.info.exitcode = exitcode
            if final[:1] == ("done",):
                self.table.finish(job, "done", result=final[1])
            elif job.cancel_at is not None or final[:1] == ("cancelled",):
                self.table.finish(job, "cancelled")
            elif final[:1] == ("failed",):
                self.table.finish(job, "failed", error=final[1], detail=final[2])
            else:
                self.table.finish(job, "failed", error=describe_exit(exitcode))
        worker.close()
        job.worker = None
        return True
