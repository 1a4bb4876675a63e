"""Benchmark of a class in the lab: N learners press Start at once, on the local queue and on Ray.

How it measures: for each backend, a fresh SQLite progress database and one SharedQueue
(engine/jobs/shared_queue.py), as an app replica has. N simulated learners ("learner-1" …)
each submit one short real lab run (the shipped model, the lab lesson's glossary and
settings, --steps training steps, --method) within a few milliseconds of each other; the
script then polls the job records until every run has ended. From the records' times
(time.time(), written by the runners) it prints:
  * jobs per minute: N / (last end − first submission) × 60;
  * wait before start, p50 and p95 (started_at − submitted_at): what a learner waits;
  * time to results, p95 (finished_at − submitted_at);
  * peak runs side by side (the most job intervals that overlap);
  * on Ray with GPUs, the share of one GPU each run asks for (engine/maths/memory.py's
    prediction by engine/lab/footprint.py, engine/jobs/ray_backend.gpu_fraction) and so how many share one GPU.
The local queue runs LORA_LAB_MAX_JOBS runs at a time per device (default 1, as the app
does); Ray runs as many as the cluster's CPUs (LORA_LAB_RAY_CPUS each) or GPU shares allow.
Goal (issue 12): on a 2-core machine Ray matches the local queue's jobs per minute with fair
waits; on a GPU many runs go side by side.

Usage: python benchmarks/class_load.py [--learners 20] [--steps 5] [--method qlora]
           [--ray-address HOST:PORT]   (default: $LORA_LAB_RAY_ADDRESS, else a local head it starts)
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def peak_overlap(intervals: list[tuple[float, float]]) -> int:
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def class_run(queue, learners: int, steps: int, method: str) -> list:
    from engine.content.loader import lab_sections, load_course
    from engine.lab import runs

    _, section = lab_sections(load_course())[0]
    settings = section.settings.model_copy(update={"steps": steps})
    ids = [runs.submit_comparison(queue, settings, section.glossary, [method], owner=f"learner-{n}")[method]
           for n in range(1, learners + 1)]
    while True:
        records = [queue.db.get(job_id) for job_id in ids]
        if all(r.finished for r in records):
            return records
        time.sleep(0.5)


def report(name: str, records: list, queue) -> float:
    """Print the figures of one backend; returns its jobs per minute."""
    done = [r for r in records if r.state == "done"]
    failed = [r for r in records if r.state != "done"]
    start = min(r.submitted_at for r in records)
    makespan = max(r.finished_at for r in records) - start
    waits = [r.started_at - r.submitted_at for r in records if r.started_at]
    results = [r.finished_at - r.submitted_at for r in done]
    print(f"\n== {name}: {len(records)} learners, {len(done)} runs done, {len(failed)} not")
    for r in failed[:3]:
        print(f"  {r.label} {r.state}: {r.error}")
    print(f"  jobs per minute: {len(done) / makespan * 60:.1f}  (all ended {makespan:.1f} s after the first Start)")
    if waits:
        print(f"  wait before start: p50 {percentile(waits, 50):.1f} s, p95 {percentile(waits, 95):.1f} s")
    if results:
        print(f"  time to results: p95 {percentile(results, 95):.1f} s "
              f"(one run alone: {min(r.finished_at - r.started_at for r in done):.1f} s)")
    print(f"  peak runs side by side: {peak_overlap([(r.started_at, r.finished_at) for r in done])}")
    share = records[0].resources.get("GPU")
    if share:
        print(f"  each run asks for {share:g} of a GPU: {int(1 / share)} runs fit on one GPU at once")
    return len(done) / makespan * 60


def start_ray_head(cpus: int) -> tuple[str, Path]:
    """A local head that requires a token, as the README's class setup does; this process gets the token too."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    temp = Path(tempfile.mkdtemp(prefix="loralab-bench-ray."))
    token = temp / "auth_token"
    token.touch(mode=0o600)
    token.write_text(secrets.token_hex(32), encoding="utf-8")
    os.environ.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=str(token))
    subprocess.run([str(Path(sys.executable).with_name("ray")), "start", "--head", "--node-ip-address=127.0.0.1",
                    f"--port={port}", f"--num-cpus={cpus}", "--include-dashboard=false", "--disable-usage-stats",
                    f"--temp-dir={temp}"], check=True, capture_output=True, env={**os.environ,
                                                                               "RAY_USAGE_STATS_ENABLED": "0"})
    return f"127.0.0.1:{port}", temp


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--steps", type=int, default=5, help="training steps of each run (short on purpose)")
    parser.add_argument("--method", default="qlora", choices=["full", "lora", "qlora"])
    parser.add_argument("--ray-address", default=os.environ.get("LORA_LAB_RAY_ADDRESS", ""))
    args = parser.parse_args()

    from engine.jobs.fair import Caps
    from engine.jobs.queue import JobQueue
    from engine.jobs.shared_queue import LocalRunner, SharedQueue, runner_name

    os.environ["LORA_LAB_RUNS"] = tempfile.mkdtemp(prefix="loralab-bench-runs.")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # the workers' load bars would bury the figures
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    print(f"{args.learners} learners, one {args.method} run of {args.steps} steps each, on {os.cpu_count()} CPUs")
    url = f"sqlite:///{tempfile.mkdtemp(prefix='loralab-bench-local.')}/progress.db"
    caps = Caps(total=max(Caps().total, args.learners))  # the whole class, however large, may queue at once
    local = SharedQueue(LocalRunner(JobQueue.from_env(), runner_name()), store_url=url, caps=caps)
    local_rate = report(f"local queue ({local.runner.queue.max_running} at a time per device)",
                        class_run(local, args.learners, args.steps, args.method), local)
    local.shutdown()

    address, own_head = args.ray_address, None
    if not address:
        address, own_head = start_ray_head(os.cpu_count() or 2)
    try:
        from engine.jobs.ray_backend import RayRunner
        from engine.lab import footprint

        url = f"sqlite:///{tempfile.mkdtemp(prefix='loralab-bench-ray.')}/progress.db"
        ray_queue = SharedQueue(RayRunner(address, url, needs=footprint.NAME), store_url=url, caps=caps)
        import ray

        resources = ray.cluster_resources()
        ray_rate = report(f"Ray at {address} ({resources.get('CPU', 0):g} CPUs, {resources.get('GPU', 0):g} GPUs)",
                          class_run(ray_queue, args.learners, args.steps, args.method), ray_queue)
        ray_queue.shutdown()
        verdict = "reached" if ray_rate >= 0.9 * local_rate else "NOT reached"
        print(f"\ngoal (Ray's jobs per minute at least the local queue's, within 10 %): {verdict} "
              f"({ray_rate:.1f} vs {local_rate:.1f})")
    finally:
        if own_head is not None:
            subprocess.run([str(Path(sys.executable).with_name("ray")), "stop", "--force"], capture_output=True, check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
