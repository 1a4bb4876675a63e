"""Warm workers on a Ray cluster: one WarmNode actor per node, holding a JobQueue whose workers
fork from a warm template (engine/jobs/template.py), for every JobActor placed on that node.

    JobActor "lora-lab-<job>" (its GPU share or CPUs, on node N)
        │ NodeQueue: submit / status / cancel over Ray calls
        ▼
    WarmNode "lora-lab-warm-<node>-<warm-up>" (detached, 0 CPUs, pinned to node N)
        JobQueue(warmup=...) ─fork─▶ one worker process per job ─▶ "module:function"

Resources stay with the JobActors: Ray places and counts them exactly as before (fair turns,
GPU shares), and the warm actor runs whatever its node's JobActors hand it, each job with
the threads and GPU its JobActor was granted (CUDA_VISIBLE_DEVICES is passed with the job).
A WarmNode is made by the app for every alive node when it starts (RayRunner.warm), or by
the first JobActor on a node that has none; it lives as long as the cluster (detached), so
its idle template's memory stays taken on every node: LORA_LAB_WARM_WORKER=off turns it off.
"""

from __future__ import annotations

import os
import zlib

import ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from engine.jobs.job import JobInfo
from engine.jobs.queue import JobQueue

NAMESPACE = "lora-lab"
MAX_JOBS_PER_NODE = 256  # the JobActors' resources are the real limit; this only bounds the queue


def warm_node_name(node_id: str, warmup: str) -> str:
    return f"lora-lab-warm-{node_id[:16]}-{zlib.crc32(warmup.encode()):08x}"


@ray.remote(num_cpus=0, max_concurrency=16, max_restarts=0)
class WarmNode:
    """One node's warm workers (see the module docstring)."""

    def __init__(self, warmup: str, grace_s: float = 5.0):
        self.queue = JobQueue(max_running=MAX_JOBS_PER_NODE, stop_grace_s=grace_s, keep_finished=50, warmup=warmup)
        self.queue.warm()

    def submit(self, job_id: str, target: str, kwargs: dict, threads: int | None, env: dict) -> str:
        return self.queue.submit(target, kwargs, label=job_id, job_id=job_id, threads=threads, env=env)

    def status(self, job_id: str) -> JobInfo | None:
        return self.queue.status(job_id)

    def cancel(self, job_id: str) -> bool:
        return self.queue.cancel(job_id)

    def template(self) -> dict:
        """The warm template's state and pid, for tests and benchmarks."""
        template = self.queue.launcher.template
        return {"state": template.poll(), "pid": template.pid, **template.info}


def warm_node(node_id: str, warmup: str, grace_s: float = 5.0):
    """The WarmNode of `node_id` for `warmup`, made if missing."""
    return WarmNode.options(name=warm_node_name(node_id, warmup), namespace=NAMESPACE, lifetime="detached",
                            get_if_exists=True,
                            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False),
                            ).remote(warmup, grace_s)


def warm_every_node(warmup: str, grace_s: float = 5.0) -> list:
    """A WarmNode on every alive node of the cluster (from the app, at start)."""
    return [warm_node(node["NodeID"], warmup, grace_s) for node in ray.nodes() if node.get("Alive")]


class NodeQueue:
    """The JobQueue calls a JobActor makes, sent to its node's WarmNode."""

    def __init__(self, warmup: str, grace_s: float):
        self.node = warm_node(ray.get_runtime_context().get_node_id(), warmup, grace_s)

    def submit(self, target: str, kwargs: dict, *, job_id: str, threads: int | None, **_label) -> str:
        env = {k: os.environ[k] for k in ("CUDA_VISIBLE_DEVICES",) if k in os.environ}  # this actor's GPU
        return ray.get(self.node.submit.remote(job_id, target, kwargs, threads, env))

    def status(self, job_id: str) -> JobInfo | None:
        return ray.get(self.node.status.remote(job_id))

    def cancel(self, job_id: str) -> bool:
        return ray.get(self.node.cancel.remote(job_id))

    def shutdown(self, timeout: float = 0.0) -> None:
        pass  # the node's queue serves the node's other jobs
