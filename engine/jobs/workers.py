"""How a job's worker process is started, and what the pump holds of it while it runs.

    Launcher.start(job) ─┬─ warm template ready ──▶ Template.fork ──▶ ForkedWorker   (milliseconds)
                         └─ no template, or its warm-up failed ──▶ spawn ──▶ SpawnedWorker  (a fresh
                            interpreter: 5-6 s of imports on 2 CPU cores before the job's first step)
    then the job itself goes down the worker's pipe: ("run", target, kwargs, threads, env)

Either way a worker is one process per job (engine/jobs/worker.py): a crash or an
out-of-memory kill takes only that job down, and its memory goes back to the OS when it
exits. Both kinds offer the same handle: `conn` (the job's pipe), `sentinel` (readable once
it has ended, for multiprocessing.connection.wait), `stop`, `terminate`, `kill`, `exitcode`.

While the template warms up, `ready()` is False and jobs wait for it (a cold spawn beside the
warm-up would fight it for the same cores); after `Template.wait_s` they spawn cold.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import pickle

from engine.jobs.template import Template
from engine.jobs.worker import WORKER_PREFIX, ask_to_stop, install_main_guard, worker_main

log = logging.getLogger(__name__)


class SpawnedWorker:
    """A worker in a freshly spawned interpreter (multiprocessing "spawn": no forked server state)."""

    def __init__(self, ctx, name: str):
        self.conn, child = ctx.Pipe(duplex=True)
        self.process = ctx.Process(target=worker_main, args=(child, os.getpid()), name=name, daemon=True)
        try:
            self.process.start()
        finally:
            child.close()  # the worker holds its own copy; ours must close so EOF is seen
        self.pid, self.sentinel = self.process.pid, self.process.sentinel

    def alive(self) -> bool:
        return self.process.is_alive()

    def exitcode(self) -> int | None:
        self.process.join()
        return self.process.exitcode

    def terminate(self) -> None:
        self.process.terminate()

    def kill(self) -> None:
        self.process.kill()

    def stop(self) -> None:
        ask_to_stop(self.conn)

    def close(self) -> None:
        self.conn.close()
        self.process.close()


class Launcher:
    """Starts workers: forks of the warm template when one is named and ready, else spawned."""

    def __init__(self, *, threads: int | None = None, warmup: str | None = None):
        self.threads = threads  # torch threads per worker; None: torch's default (every core)
        self.template = Template(warmup) if warmup else None
        install_main_guard()
        self._ctx = mp.get_context("spawn")

    def ready(self, *, warm: bool = False) -> bool:
        """False only while the template warms up: jobs wait for it rather than spawn cold beside it.
        Starts the template when `warm` (asked ahead of any job), or when a job waits and it is off
        (never started, or died while idle). Called from the pump thread only: a worker or the
        template ends with the thread that started it (worker.end_with_parent)."""
        if self.template is None:
            return True
        state = self.template.poll()
        if state == "off" and warm:
            self.template.start()
            state = self.template.poll()
        return state != "warming"

    def waiting_on(self) -> list:
        """What to wait on while the template warms up (its pipe), for multiprocessing.connection.wait."""
        return [self.template.ctl] if self.template is not None and self.template.state == "warming" else []

    def start(self, job_id: str, target: str, kwargs: dict, threads: int | None = None, env: dict | None = None):
        """A started worker with the job on its way down its pipe; raises if either fails."""
        spec = pickle.dumps(("run", target, kwargs, threads if threads is not None else self.threads, env or {}))
        name = f"{WORKER_PREFIX}-{job_id}"
        worker = None
        if self.template is not None and self.template.state == "ready":
            try:
                worker = self.template.fork(name)
            except OSError as exc:  # the template died or hung: this job starts cold, the next warms it again
                log.warning("lab jobs: could not fork %s from the warm template (%s); spawning it", name, exc)
        worker = worker or SpawnedWorker(self._ctx, name)
        try:
            worker.conn.send_bytes(spec)
        except Exception:
            worker.kill()
            worker.exitcode()
            worker.close()
            raise
        return worker

    def shutdown(self) -> None:
        if self.template is not None:
            self.template.stop()
