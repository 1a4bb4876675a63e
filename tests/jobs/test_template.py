"""The warm template (engine/jobs/template.py): workers forked from a process that ran a warm-up once,
one process per job, nothing left from one job to the next, and cold workers whenever the
template cannot serve. tests/jobs/test_queue.py runs every queue behaviour with it too."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import pytest

from engine.jobs.queue import JobQueue
from tests.jobs.processes import killed_probe, pid_alive, survivors

HERE = "tests.jobs.test_template"
QUEUE = "tests.jobs.test_queue"


def slow_warm_up() -> None:
    from tests.jobs.test_queue import warm_up

    time.sleep(1.5)
    warm_up()


def broken_warm_up() -> None:
    raise OSError("the model folder is missing")


def threaded_warm_up() -> None:
    threading.Thread(target=time.sleep, args=(60,), name="left-behind", daemon=True).start()


def comm(pid: int) -> str:
    with open(f"/proc/{pid}/comm") as f:
        return f.read().strip()


@pytest.fixture
def make_queue():
    made = []

    def make(warmup: str) -> JobQueue:
        made.append(JobQueue(warmup=warmup, stop_grace_s=0.5))
        return made[-1]

    yield make
    for queue in made:
        queue.shutdown()


def run(queue: JobQueue, note: str = "") -> dict:
    info = queue.wait(queue.submit(f"{QUEUE}:where", {"note": note}), 60)
    assert info.state == "done", info.error
    return info.result


def test_each_job_is_a_fresh_fork_of_the_warm_template(make_queue):
    queue = make_queue(f"{QUEUE}:warm_up")
    first, second = run(queue, "learner A's run"), run(queue, "learner B's run")
    template = queue.launcher.template.pid
    assert first["warmed_in"] == second["warmed_in"] == template  # the warm-up ran once, in the template
    assert first["parent"] == second["parent"] == template  # and each job is a fork of it
    assert first["pid"] != second["pid"] != template  # one process per job, never the template itself
    assert second["seen"] == []  # what A's run left in its process is gone with it
    assert not pid_alive(first["pid"])
    assert comm(template) == "lora-lab-warm"
    assert "tests.jobs.test_queue" not in sys.modules or not hasattr(sys.modules[QUEUE], "WARM") \
        or "pid" not in sys.modules[QUEUE].WARM  # the warm-up never ran in the server


def test_a_job_waits_for_the_template_still_warming_up(make_queue):
    queue = make_queue(f"{HERE}:slow_warm_up")
    queue.warm()
    started = time.monotonic()
    result = run(queue)
    assert result["parent"] == queue.launcher.template.pid  # forked, not spawned cold beside the warm-up
    assert time.monotonic() - started >= 1.0


@pytest.mark.parametrize("warmup, why", [
    (f"{HERE}:broken_warm_up", "OSError: the model folder is missing"),
    (f"{HERE}:threaded_warm_up", "the warm-up left 1 other thread(s) running (left-behind)"),
])
def test_a_template_that_cannot_serve_leaves_jobs_to_cold_workers(make_queue, warmup, why):
    queue = make_queue(warmup)
    result = run(queue)
    assert result["parent"] == os.getpid() and result["warmed_in"] is None  # spawned by the server, cold
    assert queue.launcher.template.state == "failed" and why in queue.launcher.template.error


def test_a_template_killed_while_idle_is_warmed_again(make_queue):
    queue = make_queue(f"{QUEUE}:warm_up")
    old = run(queue)["parent"]
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while pid_alive(old) and time.monotonic() < deadline:
        time.sleep(0.05)
    again = run(queue)
    assert again["parent"] == queue.launcher.template.pid != old


def test_a_crash_in_a_forked_worker_is_reported_and_the_template_serves_on(make_queue):
    queue = make_queue(f"{QUEUE}:warm_up")
    dead = queue.wait(queue.submit(f"{QUEUE}:suicidal"), 60)
    assert dead.state == "failed" and dead.exitcode == -signal.SIGKILL and "out-of-memory" in dead.error
    assert run(queue)["parent"] == queue.launcher.template.pid


def test_shutdown_ends_the_template(make_queue):
    queue = make_queue(f"{QUEUE}:warm_up")
    template = run(queue)["parent"]
    queue.shutdown()
    assert not pid_alive(template)


SERVER_DIES = """
import os, sys, time
sys.path.insert(0, {root!r})
from engine.jobs.queue import JobQueue
queue = JobQueue(warmup="tests.jobs.test_queue:warm_up")
job = queue.submit("tests.jobs.test_queue:polite")
while not queue.status(job).progress:
    time.sleep(0.05)
print("PIDS", queue.launcher.template.pid, queue.status(job).progress["pid"], flush=True)
os.kill(os.getpid(), 9)
"""


def test_the_template_and_its_workers_end_with_the_server(tmp_path):
    code, output = killed_probe(SERVER_DIES, tmp_path)
    assert code == -signal.SIGKILL, output[-2000:]
    line = next(ln for ln in output.splitlines() if ln.startswith("PIDS "))
    assert survivors([int(p) for p in line.split()[1:]]) == [], "the template or its worker outlived the server"


def test_the_warm_worker_setting(monkeypatch):
    from engine.jobs.job import warm_worker_from_env

    monkeypatch.delenv("LORA_LAB_WARM_WORKER", raising=False)
    assert warm_worker_from_env() == "lab"  # the default: when the Lab page first opens
    monkeypatch.setenv("LORA_LAB_WARM_WORKER", " Start ")
    assert warm_worker_from_env() == "start"
    monkeypatch.setenv("LORA_LAB_WARM_WORKER", "off")
    queue = JobQueue.from_env(warmup=f"{QUEUE}:warm_up")
    try:
        assert queue.launcher.template is None  # cold workers, no idle memory held
    finally:
        queue.shutdown()
    monkeypatch.setenv("LORA_LAB_WARM_WORKER", "yes")
    with pytest.raises(ValueError, match="LORA_LAB_WARM_WORKER must be one of lab, start, off, not 'yes'"):
        warm_worker_from_env()
