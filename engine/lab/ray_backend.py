"""Lab jobs on a Ray cluster (LORA_LAB_RAY_ADDRESS = "ray://host:10001", "host:6379" or "auto").

    app replica (any)                              Ray cluster
    SharedQueue sync ─ RayRunner.sync ─claim─▶ JobActor "lora-lab-job-<id>" (detached, GPU share)
      fair turns, free resources                   │ thread: JobQueue(1) ─spawn─▶ worker ─▶ run_lab
                                                   └── start / progress / finish ──▶ progress database

Why one detached actor per job (Ray docs, "Named Actors" and "Actor Lifetimes"): a
detached actor belongs to the cluster, not to the app process that asked for it, so
killing or restarting the app does not stop the run, and any replica can find it by
name to cancel it. Inside, the actor runs the job exactly as the local queue does
(engine/lab/jobs.py: a spawned worker process), so a crash or an out-of-memory kill of
the training process gives the same sentence (worker.describe_exit), and Cancel the
same should_stop, then terminate, then kill. The actor writes the job's progress to
the database itself: the database is the channel, so every replica sees it live.

Resources per job (Ray docs, "Fractional Resource Requirements"): on a cluster with
GPUs, the share of one GPU that engine/maths/memory.py predicts the run needs (with a
margin), so dozens of tiny-model runs share one large GPU; on a CPU cluster,
LORA_LAB_RAY_CPUS CPUs (default 1). Every node must hold the same checkout at the same
path (the actor imports `engine` from it) and reach the same database.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import subprocess
import threading
import time
import traceback
from pathlib import Path

import ray

from engine import ROOT
from engine.lab.fair import fair_order
from engine.lab.jobs import JobQueue
from engine.progress.jobs import UNFINISHED, JobStore
from engine.progress.store import Store

log = logging.getLogger(__name__)
NAMESPACE = "lora-lab"
GIB = 1024**3
MARGIN = 1.25  # the memory model's prediction times this: allocator fragmentation, CUDA context slack
FALLBACK_BYTES = 4 * GIB  # a model whose config.json is not on this machine (a hub id)
WATCH_S = 5.0  # how often to look for actors that vanished
STALE_S = 30.0  # a started job whose actor has not written for this long is checked
LOST = ("the Ray worker running this job is gone (its node stopped, or it was killed) before it reported a "
        "result; press Start again")
PASSED_ENV = ("LORA_LAB_MODEL", "LORA_LAB_RUNS", "LORA_LAB_DATA", "HF_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")


def actor_name(job_id: str) -> str:
    return f"lora-lab-{job_id}"


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
                                 capture_output=True, text=True, timeout=10).stdout.split()
            return int(float(out[0]) * 1024**2)  # MiB
        except (OSError, ValueError, IndexError, subprocess.SubprocessError):
            pass
    return 80 * GIB


def predicted_bytes(kwargs: dict) -> int | None:
    """engine/maths/memory.py's peak for this run's model and settings, or None if its config is not here."""
    from engine.maths.memory import TrainingSetup, estimate, load_config

    settings, method = kwargs.get("settings"), kwargs.get("method", "lora")
    if settings is None:
        return None
    get = settings.get if isinstance(settings, dict) else lambda key, default=None: getattr(settings, key, default)
    folder = Path(str(get("model", ""))).expanduser()
    config = folder / "config.json" if folder.is_absolute() else ROOT / folder / "config.json"
    try:
        setup = TrainingSetup(method=method, batch_size=get("batch_size", 1), seq_len=get("seq_len", 512),
                              rank=get("rank", 16), target_modules=list(get("target_modules") or []) or None,
                              precision="bf16")
        return estimate(load_config(str(config)), setup).total
    except (ValueError, TypeError):
        return None


def gpu_fraction(kwargs: dict, per_gpu: int) -> float:
    """The share of one GPU to ask Ray for, rounded up to 1/100 (at least 0.01, at most 1)."""
    need = (predicted_bytes(kwargs) or FALLBACK_BYTES) * MARGIN
    return min(1.0, max(0.01, math.ceil(need / per_gpu * 100) / 100))


def revive(kwargs: dict) -> dict:
    """The job's arguments as stored (JSON) back into the lab's settings objects."""
    from engine.lab.settings import GlossaryEntry, LabSettings

    out = dict(kwargs)
    if isinstance(out.get("settings"), dict):
        out["settings"] = LabSettings.model_validate(out["settings"])
    if isinstance(out.get("glossary"), list):
        out["glossary"] = [GlossaryEntry.model_validate(g) if isinstance(g, dict) else g for g in out["glossary"]]
    return out


def run_job(job_id: str, url: str, target: str, kwargs: dict, stop: threading.Event, grace_s: float) -> None:
    """Inside the actor: run one job in a worker process and write its life to the database."""
    db = JobStore(Store(url))
    try:
        if not db.start(job_id, actor_name(job_id)):
            return  # cancelled while it waited for resources
        queue = JobQueue(max_running=1, stop_grace_s=grace_s, keep_finished=1)
        queue.submit(target, revive(kwargs), label=job_id, job_id=job_id)
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


@ray.remote(max_concurrency=4, max_restarts=0)
class JobActor:
    """One lab job, detached from the app that asked for it (see the module docstring)."""

    def __init__(self, job_id: str, url: str, target: str, kwargs: dict, grace_s: float = 5.0):
        self._stop = threading.Event()
        threading.Thread(target=self._run, args=(job_id, url, target, kwargs, grace_s), daemon=True).start()

    def _run(self, *args) -> None:
        try:
            run_job(*args[:4], self._stop, args[4])
        finally:
            ray.kill(ray.get_runtime_context().current_actor)  # give its resources back to the cluster

    def stop(self) -> bool:
        self._stop.set()
        return True

    def ping(self) -> bool:
        return True


class RayRunner:
    """Dispatches queued ray jobs in fair turns while the cluster has room; watches for lost actors."""

    backend = "ray"

    def __init__(self, address: str, url: str, *, grace_s: float = 5.0):
        self.url, self.grace_s = url, grace_s
        env = {"PYTHONPATH": str(ROOT)} | {k: os.environ[k] for k in PASSED_ENV if os.environ.get(k)}
        ray.init(address=address, namespace=NAMESPACE, runtime_env={"env_vars": env}, log_to_driver=False,
                 ignore_reinit_error=True, logging_level=logging.WARNING)
        self._gpus = float(ray.cluster_resources().get("GPU", 0))
        self._per_gpu = gpu_bytes() if self._gpus else 0
        self._cpus = cpus_per_job()
        self._watched = 0.0

    def device(self) -> str:
        return "cuda" if self._gpus else "cpu"

    def resources(self, kwargs: dict) -> dict:
        if self._gpus:
            return {"GPU": gpu_fraction(kwargs, self._per_gpu), "CPU": self._cpus}
        return {"CPU": self._cpus}

    def claim_fields(self) -> dict:
        return {}  # any replica may dispatch it (RayRunner.sync)

    def accept(self, rows: list[dict], kwargs_by_id: dict[str, dict], owner: str) -> None:
        pass  # the next sync round dispatches them, from whichever replica gets there first

    def cancel(self, job_id: str) -> None:
        try:
            ray.get_actor(actor_name(job_id), namespace=NAMESPACE).stop.remote()
        except ValueError:
            pass  # not started yet (its flag is read at start) or already gone

    def sync(self, db: JobStore) -> None:
        jobs = db.jobs(states=UNFINISHED, backend="ray")
        self._dispatch(db, jobs)
        if time.monotonic() - self._watched > WATCH_S:
            self._watched = time.monotonic()
            self._watch(db, jobs)

    def _dispatch(self, db: JobStore, jobs: list) -> None:
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
                self._start(job)
                for key, amount in job.resources.items():
                    free[key] = free.get(key, 0.0) - amount

    def _start(self, job) -> None:
        gpus, cpus = job.resources.get("GPU", 0), job.resources.get("CPU", 1)
        JobActor.options(name=actor_name(job.id), namespace=NAMESPACE, lifetime="detached", num_cpus=cpus,
                         num_gpus=gpus).remote(job.id, self.url, job.target, job.settings, self.grace_s)

    def _watch(self, db: JobStore, jobs: list) -> None:
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

    def shutdown(self, db: JobStore) -> None:
        pass  # jobs on Ray outlive this app process on purpose
