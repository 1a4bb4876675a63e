"""The job queue (engine/jobs/queue.py) with small job functions of its own, run in real
spawned worker processes: order, cancel (queued and running), errors, crashes."""

from __future__ import annotations

import os
import signal
import time

import pytest

from engine.jobs.job import max_jobs_from_env
from engine.jobs.queue import JobQueue, describe_exit
from tests.jobs.processes import killed_probe, pid_alive, survivors

HERE = "tests.jobs.test_queue"


# ---- job functions, imported by name in the worker ------------------------------
def timed(*, seconds: float, on_progress=None, should_stop=None) -> dict:
    """Sleep `seconds`, reporting a falling loss; return start and end as the worker saw them."""
    start = time.time()
    for step in range(1, 5):
        time.sleep(seconds / 4)
        on_progress({"step": step, "steps": 4, "loss": 1.0 / step, "phase": "train"})
    return {"start": start, "end": time.time(), "pid": os.getpid()}


def polite(*, on_progress=None, should_stop=None) -> None:
    """Run until asked to stop, then raise a `Cancelled` as engine.lab.finetune does."""
    class Cancelled(Exception):
        pass

    on_progress({"step": 0, "steps": 1, "loss": None, "phase": "train", "pid": os.getpid()})
    while not should_stop():
        time.sleep(0.02)
    raise Cancelled("stopped")


def stubborn(*, on_progress=None, should_stop=None) -> None:
    """Ignore should_stop entirely (a job stuck in a long C call)."""
    on_progress({"step": 0, "steps": 1, "loss": None, "phase": "train", "pid": os.getpid()})
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # even terminate() is ignored: kill() must follow
    time.sleep(120)


def broken(*, on_progress=None, should_stop=None) -> None:
    raise ValueError("rank 0 makes no sense here")


def suicidal(*, on_progress=None, should_stop=None) -> None:
    """Die the way an out-of-memory kill looks: SIGKILL, no chance to report."""
    os.kill(os.getpid(), signal.SIGKILL)


WARM: dict = {}  # what the warm-up left in the template, seen by every worker forked from it
SCRATCH: list = []  # what a job leaves behind in its own process


def warm_up() -> None:
    """Stands in for the lab's warm-up (engine.lab.warmup:prepare): work done once, in the template."""
    import json  # noqa: F401 - a module that forked workers then find imported

    WARM["pid"] = os.getpid()


def where(*, note: str = "", on_progress=None, should_stop=None) -> dict:
    """Where this job ran, what the warm-up left there, and what earlier jobs left (they must leave nothing)."""
    seen = list(SCRATCH)
    SCRATCH.append(note)
    return {"pid": os.getpid(), "parent": os.getppid(), "warmed_in": WARM.get("pid"), "seen": seen}


@pytest.fixture(params=["cold", "warm"])
def queue(request):
    """Every queue test runs twice: workers spawned cold, and workers forked from a warm template."""
    q = JobQueue(max_running=1, stop_grace_s=0.5, warmup=f"{HERE}:warm_up" if request.param == "warm" else None)
    yield q
    q.shutdown()


def _wait_running(queue: JobQueue, job_id: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = queue.status(job_id)
        if info.state == "running" and info.progress:
            return info
        time.sleep(0.05)
    raise AssertionError(f"{job_id} never reported progress: {queue.status(job_id)}")


def test_two_jobs_submitted_at_once_run_one_after_the_other(queue):
    first = queue.submit(f"{HERE}:timed", {"seconds": 0.4}, label="first")
    second = queue.submit(f"{HERE}:timed", {"seconds": 0.4}, label="second")
    assert queue.status(second).state == "queued"  # one slot: it waits (place 1 or 2 by now)
    a, b = queue.wait(first, 60), queue.wait(second, 60)
    assert (a.state, b.state) == ("done", "done")
    assert a.result["end"] <= b.result["start"]  # as the workers themselves saw it
    assert a.finished_at <= b.started_at  # as the server recorded it
    assert a.result["pid"] != b.result["pid"]  # each in its own process
    assert a.losses == [1.0, 0.5, 1 / 3, 0.25] and a.progress["step"] == 4


def test_place_in_queue_counts_jobs_ahead(queue):
    blocker = queue.submit(f"{HERE}:polite", label="blocker")
    waiting = [queue.submit(f"{HERE}:timed", {"seconds": 0.01}) for _ in range(3)]
    _wait_running(queue, blocker)
    assert [queue.status(j).place for j in waiting] == [1, 2, 3]
    assert queue.status(blocker).place is None
    queue.cancel(waiting[0])
    assert [queue.status(j).place for j in waiting[1:]] == [1, 2]


def test_cancel_a_queued_job_removes_it_before_it_starts(queue):
    blocker = queue.submit(f"{HERE}:polite")
    waiting = queue.submit(f"{HERE}:timed", {"seconds": 0.01})
    assert queue.cancel(waiting)
    info = queue.status(waiting)
    assert info.state == "cancelled" and info.started_at is None
    queue.cancel(blocker)
    assert queue.wait(blocker, 30).state == "cancelled"
    time.sleep(0.3)
    assert queue.status(waiting).started_at is None  # never started later either


def test_cancel_a_running_job_stops_its_worker(queue):
    job = queue.submit(f"{HERE}:polite")
    pid = _wait_running(queue, job).progress["pid"]
    assert queue.cancel(job)
    info = queue.wait(job, 30)
    assert info.state == "cancelled" and info.exitcode == 0  # it stopped by itself, cleanly
    assert not pid_alive(pid)
    assert not queue.cancel(job)  # finished jobs cannot be cancelled again


def test_a_worker_that_ignores_cancel_is_killed_and_the_next_job_runs(queue):
    job = queue.submit(f"{HERE}:stubborn")
    after = queue.submit(f"{HERE}:timed", {"seconds": 0.01})
    pid = _wait_running(queue, job).progress["pid"]
    queue.cancel(job)
    info = queue.wait(job, 30)
    assert info.state == "cancelled" and info.exitcode == -signal.SIGKILL
    assert not pid_alive(pid)  # its memory is back with the OS
    assert queue.wait(after, 60).state == "done"


def test_a_job_that_raises_is_reported_and_the_next_one_runs(queue):
    bad = queue.submit(f"{HERE}:broken")
    good = queue.submit(f"{HERE}:timed", {"seconds": 0.01})
    info = queue.wait(bad, 60)
    assert info.state == "failed"
    assert info.error == "ValueError: rank 0 makes no sense here"
    assert "Traceback" in info.detail and "broken" in info.detail
    assert queue.wait(good, 60).state == "done"


def test_a_worker_killed_with_sigkill_is_reported_as_failed(queue):
    dead = queue.submit(f"{HERE}:suicidal")
    good = queue.submit(f"{HERE}:timed", {"seconds": 0.01})
    info = queue.wait(dead, 60)
    assert info.state == "failed" and info.exitcode == -signal.SIGKILL
    assert "killed by SIGKILL" in info.error and "out-of-memory" in info.error
    assert queue.wait(good, 60).state == "done"


def test_an_unknown_job_function_is_a_clear_failure(queue):
    info = queue.wait(queue.submit("tests.jobs.test_queue:no_such_function"), 60)
    assert info.state == "failed"
    assert "could not import the job function 'tests.jobs.test_queue:no_such_function'" in info.error
    with pytest.raises(ValueError, match="module:function"):
        queue.submit("not-a-target")


def test_a_group_runs_in_order_and_shares_its_group_id(queue):
    ids = queue.submit_group(f"{HERE}:timed", {m: {"seconds": 0.01} for m in ("full", "lora", "qlora")})
    infos = [queue.wait(ids[m], 60) for m in ("full", "lora", "qlora")]
    assert [i.label for i in infos] == ["full", "lora", "qlora"]
    assert len({i.group for i in infos}) == 1 and infos[0].group is not None
    assert infos[0].finished_at <= infos[1].started_at and infos[1].finished_at <= infos[2].started_at


def test_two_slots_run_two_jobs_at_once():
    q = JobQueue(max_running=2)
    try:
        a, b = (q.submit(f"{HERE}:polite") for _ in range(2))
        _wait_running(q, a)
        _wait_running(q, b)  # both at once: neither waits for the other to finish
        assert {q.status(a).state, q.status(b).state} == {"running"}
    finally:
        q.shutdown()
    assert q.status(a).state == "cancelled"


def test_jobs_on_different_devices_do_not_wait_for_each_other(queue):
    a = queue.submit(f"{HERE}:polite", device="cpu")
    b = queue.submit(f"{HERE}:polite", device="cuda")
    _wait_running(queue, a)
    _wait_running(queue, b)


def test_max_jobs_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("LORA_LAB_MAX_JOBS", "3")
    assert max_jobs_from_env() == 3
    monkeypatch.setenv("LORA_LAB_MAX_JOBS", "lots")
    with pytest.raises(ValueError, match="LORA_LAB_MAX_JOBS must be a whole number from 1 to 16, not 'lots'"):
        max_jobs_from_env()


def test_exit_descriptions_name_the_signal_or_code():
    assert describe_exit(-signal.SIGSEGV) == "the worker process was killed by SIGSEGV"
    assert describe_exit(3) == "the worker process exited with code 3 before reporting a result"


def test_workers_never_rerun_the_parents_main_script(queue, tmp_path, monkeypatch):
    # Under Streamlit, __main__ is the app script; spawn would re-run it in every worker.
    import types

    marker = tmp_path / "ran"
    script = tmp_path / "app_like.py"
    script.write_text(f"open({str(marker)!r}, 'w').write('main ran')\n")
    fake_main = types.ModuleType("__main__")
    fake_main.__file__ = str(script)
    monkeypatch.setitem(__import__("sys").modules, "__main__", fake_main)
    info = queue.wait(queue.submit(f"{HERE}:timed", {"seconds": 0.01}), 60)
    assert info.state == "done"
    assert not marker.exists()


def unsendable(*, on_progress=None, should_stop=None):
    return {"a lock": __import__("threading").Lock()}  # cannot be pickled


def test_a_result_that_cannot_be_sent_back_is_a_clear_failure(queue):
    info = queue.wait(queue.submit(f"{HERE}:unsendable"), 60)
    assert info.state == "failed"
    assert info.error.startswith("the job finished but its result could not be sent back")


ORPHAN_PROBE = """
import os, sys, time
sys.path.insert(0, {root!r})
from engine.jobs.queue import JobQueue
queue = JobQueue()
job = queue.submit("tests.jobs.test_queue:polite")
while not queue.status(job).progress:
    time.sleep(0.05)
print(queue.status(job).progress["pid"], flush=True)
os.kill(os.getpid(), 9)  # the server dies without any chance to clean up
"""


def test_a_worker_whose_server_dies_ends_too(tmp_path):
    code, output = killed_probe(ORPHAN_PROBE, tmp_path)
    assert code == -signal.SIGKILL, output[-2000:]
    assert survivors([int(output.split()[-1])]) == [], "the orphaned worker is still running"


def test_kwargs_that_cannot_reach_a_worker_fail_that_job_only(queue):
    bad = queue.submit(f"{HERE}:timed", {"seconds": __import__("threading").Lock()})
    info = queue.wait(bad, 30)
    assert info.state == "failed" and info.error.startswith("could not start a worker process: TypeError")
    assert queue.wait(queue.submit(f"{HERE}:timed", {"seconds": 0.01}), 60).state == "done"


def test_learners_take_turns_in_the_local_queue(queue):
    """One learner's three runs do not make another learner wait behind all of them (engine/jobs/fair.py)."""
    mine = [queue.submit(f"{HERE}:timed", {"seconds": 0.2}, owner="A") for _ in range(3)]
    theirs = queue.submit(f"{HERE}:timed", {"seconds": 0.2}, owner="B")
    places = [queue.status(j).place for j in (theirs, mine[1], mine[2])]
    assert places == sorted(places) and None not in places  # B's one run is ahead of A's second and third
    starts = {j: queue.wait(j, 60).result["start"] for j in mine + [theirs]}
    assert sorted(starts, key=starts.get) == [mine[0], theirs, mine[1], mine[2]]
