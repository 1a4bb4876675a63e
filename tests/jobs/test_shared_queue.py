"""The shared lab queue (engine/jobs/shared_queue.py) on the local backend: two app replicas
on one database, the per-learner cap, turns, and what a restart keeps and what it loses."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

import engine.jobs.shared_queue as shared
from engine.jobs.fair import Caps
from engine.jobs.queue import JobQueue
from engine.jobs.shared_queue import LocalRunner, SharedQueue, runner_name
from engine.progress.jobs import QueueFull
from tests.conftest import ROOT

HERE = "tests.jobs.test_queue"


def replica(url: str, max_queued: int = 3) -> SharedQueue:
    return SharedQueue(LocalRunner(JobQueue(max_running=1, stop_grace_s=0.5), runner_name()), store_url=url,
                       max_queued=max_queued)


@pytest.fixture
def first(url):
    queue = replica(url)
    yield queue
    queue.shutdown()


def _until(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return value


def test_a_second_replica_shows_and_cancels_a_job_of_the_first(first, url):
    second = replica(url)
    try:
        job = first.submit(f"{HERE}:polite", owner="learner-1")
        _until(lambda: second.status(job).state == "running" and second.status(job).progress)
        assert second.jobs(owner="learner-1")[0].id == job
        assert second.cancel(job)  # this replica does not run it: the flag reaches the one that does
        assert second.wait(job, 30).state == "cancelled"
    finally:
        second.shutdown()


def test_results_stream_in_and_outlive_the_app_process(first, url):
    job = first.submit(f"{HERE}:timed", {"seconds": 0.4}, owner="learner-1")
    done = first.wait(job, 60)
    assert done.state == "done" and done.losses == [1.0, 0.5, 1 / 3, 0.25]
    first.shutdown()
    restarted = replica(url)
    try:
        again = restarted.status(job)
        assert (again.state, again.result["end"], again.losses) == ("done", done.result["end"], done.losses)
    finally:
        restarted.shutdown()


def test_the_cap_and_the_turns(first):
    mine = first.submit_group(f"{HERE}:polite", {"a": {}, "b": {}, "c": {}}, owner="learner-1")
    with pytest.raises(QueueFull, match="the limit is 3 at once per learner"):
        first.submit(f"{HERE}:timed", {"seconds": 0.1}, owner="learner-1")
    other = first.submit(f"{HERE}:timed", {"seconds": 0.1}, owner="learner-2")
    _until(lambda: first.status(mine["a"]).state == "running")
    assert first.status(other).place == 1  # ahead of learner-1's second and third runs
    assert first.status(mine["b"]).place == 2
    for job in mine.values():
        first.cancel(job)
    assert first.wait(other, 60).state == "done"


def crowd(queue, target: str, owners: int = 171) -> dict[str, str]:
    """Issue 21's queue: one learner's 3 runs, then 170 other owners' 3 each, 513 in all; the first's ids."""
    first = queue.submit_group(target, {m: {} for m in ("a", "b", "c")}, owner="learner-0")
    for n in range(1, owners):
        queue.submit_group(target, {m: {} for m in ("a", "b", "c")}, owner=f"learner-{n}")
    return first


def test_with_more_than_500_jobs_none_is_dropped_and_one_runs_at_a_time(url):
    """Issue 21: jobs outside JobStore.jobs' window of the newest 500 were cancelled in the worker queue
    while the database still said running or queued; two showed running on a one-slot queue."""
    queue = SharedQueue(LocalRunner(JobQueue(max_running=1, stop_grace_s=0.5), runner_name()), store_url=url,
                        caps=Caps(total=1000))
    try:
        first = crowd(queue, f"{HERE}:polite")
        _until(lambda: queue.status(first["a"]).state == "running")
        time.sleep(shared.HEARTBEAT_S + 4 * shared.SYNC_S)  # sync rounds, a heartbeat, an expiry check
        records = queue.db.jobs()
        assert len(records) == 513 and [r.state for r in records].count("running") == 1
        assert all(queue.runner.queue.status(r.id).state == r.state for r in records)  # the worker queue agrees
        assert queue.status(first["b"]).place == 171  # after one run of each of the 170 others
        assert queue.status(first["c"]).place > 171
        for job in first.values():
            assert queue.cancel(job)
        assert queue.wait(first["a"], 30).state == "cancelled"
        _until(lambda: queue.status(first["c"]).state == "cancelled")
        assert queue.submit(f"{HERE}:timed", {"seconds": 0.1}, owner="learner-0")  # the learner may start again
        _until(lambda: [r.state for r in queue.db.jobs()].count("running") == 1)  # the next in turn, alone
    finally:
        queue.shutdown()


SUBMIT_THEN_DIE = """
import os, sys, time
sys.path.insert(0, {root!r})
from engine.jobs.queue import JobQueue
from engine.jobs.shared_queue import LocalRunner, SharedQueue, runner_name
queue = SharedQueue(LocalRunner(JobQueue(), runner_name()), store_url={url!r})
job = queue.submit("tests.jobs.test_queue:polite", owner="learner-1")
while queue.status(job).state != "running":
    time.sleep(0.1)
print(job, flush=True)
os.kill(os.getpid(), 9)
"""


def test_a_killed_local_server_loses_its_running_job_and_says_so(url):
    """The restarted server on the same host says so at once: the dead server's pid is gone.
    (On another host, the stopped heartbeat says it after LOCAL_STALE_S: tests/progress/test_jobs.py.)"""
    run = subprocess.run([sys.executable, "-c", SUBMIT_THEN_DIE.format(root=str(ROOT), url=url)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    job = run.stdout.strip().splitlines()[-1]
    survivor = replica(url)
    try:
        info = survivor.wait(job, 5)
        assert info.state == "failed" and info.error == shared.LOCAL_LOST
        assert "press Start again" in info.error
    finally:
        survivor.shutdown()
