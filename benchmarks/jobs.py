"""What the job queue itself costs a lab run: worker start-up and progress throughput.

    python benchmarks/jobs.py [--jobs N] [--messages M]

Measured with time.time() stamps recorded by the server (JobQueue) and inside the
worker: (1) queue latency, submit -> worker started, (2) spawn overhead, worker
started -> job function entered (a fresh interpreter importing engine.jobs.worker and the
job's module), (3) a no-op job's whole life, submit -> finished, (4) progress
messages per second through the job's pipe. No torch is imported by any of them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.jobs.queue import JobQueue  # noqa: E402


def noop(*, on_progress=None, should_stop=None) -> dict:
    return {"entered": time.time()}


def chatty(*, messages: int, on_progress=None, should_stop=None) -> dict:
    start = time.time()
    for step in range(messages):
        on_progress({"step": step, "steps": messages, "loss": 1.0, "phase": "train"})
    return {"seconds": time.time() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5)
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()
    queue = JobQueue(max_running=1)
    ids = [queue.submit("benchmarks.jobs:noop") for _ in range(args.jobs)]
    infos = [queue.wait(job_id, 120) for job_id in ids]
    first = infos[0]
    spawn = [i.result["entered"] - i.started_at for i in infos]
    life = [i.finished_at - i.started_at for i in infos]
    print(f"{args.jobs} no-op jobs, one at a time, spawn start method")
    print(f"  first job: submit -> started {first.started_at - first.submitted_at:.3f} s")
    print(f"  spawn overhead (started -> job entered): median {statistics.median(spawn):.3f} s, max {max(spawn):.3f} s")
    print(f"  worker life (started -> reaped):         median {statistics.median(life):.3f} s")
    chat = queue.wait(queue.submit("benchmarks.jobs:chatty", {"messages": args.messages}), 120)
    assert len(chat.losses) == args.messages, "every progress message must arrive"
    rate = args.messages / chat.result["seconds"]
    print(f"  progress messages: {args.messages} sent in {chat.result['seconds']:.3f} s = {rate:,.0f} per s, all received")
    queue.shutdown()


if __name__ == "__main__":
    main()
