"""Jobs on a Ray cluster (LORA_LAB_RAY_ADDRESS = "ray://host:10001", "host:6379" or "auto"):
the app side. What runs on the cluster is engine/jobs/ray_actors.py.

    app replica (any): SharedQueue.submit_group ─▶ lab_jobs rows (queued) ─▶ RayRunner.accept
        └─ find or start the database's Dispatcher actor and wake it; it starts one JobActor
           per job, in fair turns, and the actors write progress and results to the database

The app never holds a job: a replica that dies or restarts loses nothing, and any replica
shows and cancels any job (Cancel sets a flag in the database that the job's actor reads,
and tells the actor directly when it can find it by name).

Resources per job (Ray docs, "Fractional Resource Requirements"): on a cluster with GPUs,
the share of one GPU that the caller's `needs` function predicts the job needs, with a margin
(the lab's is engine/lab/footprint.py: engine/maths/memory.py's peak for the run's settings),
so dozens of tiny-model runs share one large GPU; on a CPU cluster, LORA_LAB_RAY_CPUS
CPUs (default 1). Every node must hold the same checkout at the same path (the actors
import `engine` from it, via PYTHONPATH) and reach the same database: PostgreSQL for a
cluster of several machines, or the SQLite file when Ray and the app share one machine.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import socket
import subprocess
import time

import ray

from engine import ROOT
from engine.jobs.job import warm_workers_from_env
from engine.jobs.ray_actors import (
    NAMESPACE,
    WATCH_S,
    Dispatcher,
    actor_name,
    dispatcher_name,
)
from engine.jobs.ray_auth import connect
from engine.jobs.ray_warm import warm_every_node
from engine.jobs.worker import resolve
from engine.progress.jobs import UNFINISHED, JobStore

log = logging.getLogger(__name__)
GIB = 1024**3
MARGIN = 1.25  # the memory model's prediction times this: allocator fragmentation, CUDA context slack
FALLBACK_BYTES = 4 * GIB  # a job whose needs are unknown (no `needs` function, or it gave None)
PASSED_ENV = ("LORA_LAB_MODEL", "LORA_LAB_RUNS", "LORA_LAB_DATA", "HF_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def check_reachable(address: str, timeout_s: float = 3.0) -> None:
    """ConnectionError within `timeout_s` when nothing listens at a "host:port" or "ray://host:port"
    address: ray.init itself waits minutes for an absent head, and a page must not hang that long."""
    if address == "auto" or address.startswith("local"):
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"LORA_LAB_RAY_ADDRESS must be ray://HOST:PORT, HOST:PORT or auto, not {address!r}")
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout_s).close()
    except OSError as exc:
        raise ConnectionError(f"no Ray head answers at {address} (LORA_LAB_RAY_ADDRESS): {exc}; start one with "
                              f"`ray start --head` or unset the variable to use the local queue") from None


def cpus_per_job() -> float:
    raw = os.environ.get("LORA_LAB_RAY_CPUS", "1")
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0.1 <= value <= 64:
        raise ValueError(f"LORA_LAB_RAY_CPUS must be a number from 0.1 to 64, not {raw!r}")
    return value


def gpu_bytes() -> int:
    """Memory of one GPU of the cluster: LORA_LAB_GPU_MEMORY_GIB, else nvidia-smi here, else 80 GiB."""
    if os.environ.get("LORA_LAB_GPU_MEMORY_GIB"):
        return int(float(os.environ["LORA_LAB_GPU_MEMORY_GIB"]) * GIB)
    if shutil.which("nvidia-smi"):
        try:
            out = subprocess.run(["nvidia-smi", "--query-gpu=memory.total", "--format=csv,noheader,nounits"],
                                 capture_output=True, text=True, timeout=10, check=False).stdout.split()
            return int(float(out[0]) * 1024**2)  # MiB
        except (OSError, ValueError, IndexError, subprocess.SubprocessError):
            pass
    return 80 * GIB


def gpu_fraction(need_bytes: int | None, per_gpu: int) -> float:
    """The share of one GPU to ask Ray for a job that needs `need_bytes` (None: unknown), rounded
    up to 1/100 (at least 0.01, at most 1)."""
    need = (need_bytes or FALLBACK_BYTES) * MARGIN
    return min(1.0, max(0.01, math.ceil(need / per_gpu * 100) / 100))


class RayRunner:
    """The app side of the Ray backend (see the module docstring)."""

    backend = "ray"

    def __init__(self, address: str, url: str, *, grace_s: float = 5.0, needs: str | None = None,
                 warmup: str | None = None):
        """`needs`: "module:function" giving the bytes a job needs from its kwargs (or None), which
        sizes its GPU share; the caller names it, so this package reads no job's settings. `warmup`:
        "module:function" each node's warm worker runs once (engine/jobs/ray_warm.py); None: cold workers."""
        self.url, self.grace_s = url, grace_s
        self.warmup = warmup if warm_workers_from_env() else None
        self._needs = resolve(needs) if needs else (lambda kwargs: None)
        check_reachable(address)
        env = {"PYTHONPATH": str(ROOT)} | {k: os.environ[k] for k in PASSED_ENV if os.environ.get(k)}
        connect(address, namespace=NAMESPACE, runtime_env={"env_vars": env}, log_to_driver=False,
                ignore_reinit_error=True, logging_level=logging.WARNING)
        self._gpus = float(ray.cluster_resources().get("GPU", 0))
        self._per_gpu = gpu_bytes() if self._gpus else 0
        self._cpus = cpus_per_job()
        self._checked = 0.0

    def device(self) -> str:
        return "cuda" if self._gpus else "cpu"

    def listen(self, news) -> None:
        pass  # the actors write their own news to the database

    def busy(self) -> bool:
        return False  # nothing runs in this process: sync only looks after the dispatcher

    def warm(self) -> None:
        """A warm worker on every node now, so the first run on each starts warm."""
        if self.warmup:
            warm_every_node(self.warmup, self.grace_s)

    def resources(self, kwargs: dict) -> dict:
        if self._gpus:
            return {"GPU": gpu_fraction(self._needs(kwargs), self._per_gpu), "CPU": self._cpus}
        return {"CPU": self._cpus}

    def claim_fields(self) -> dict:
        return {}  # the dispatcher hands it to the cluster in its turn

    def accept(self, rows: list[dict], kwargs_by_id: dict[str, dict], owner: str) -> None:
        self._wake_dispatcher()

    def _wake_dispatcher(self) -> None:
        """Find this database's dispatcher, or start it (it ends itself when idle), and wake it."""
        dispatcher = Dispatcher.options(name=dispatcher_name(self.url), namespace=NAMESPACE, lifetime="detached",
                                        get_if_exists=True).remote(self.url, self.grace_s, self.warmup)
        dispatcher.wake.remote()

    def cancel(self, db: JobStore, job_id: str) -> None:
        """Tell the job's actor to stop; one still waiting for room on the cluster is removed outright."""
        try:
            actor = ray.get_actor(actor_name(job_id), namespace=NAMESPACE)
        except ValueError:
            return  # not handed to Ray yet (the dispatcher skips it now) or already gone
        record = db.get(job_id)
        if record is not None and record.state == "queued":
            ray.kill(actor)  # placed in Ray's queue, not started: no run to stop politely
            db.finish(job_id, "cancelled")
        else:
            actor.stop.remote()

    def sync(self, db: JobStore) -> None:
        """Every WATCH_S: while ray jobs are unfinished, make sure a dispatcher is there for them (one
        that ended itself just as a job came in is started again)."""
        if time.monotonic() - self._checked < WATCH_S:
            return
        self._checked = time.monotonic()
        if db.jobs(states=UNFINISHED, backend="ray", limit=1):
            self._wake_dispatcher()

    def shutdown(self, db: JobStore) -> None:
        pass  # jobs on Ray outlive this app process on purpose
