"""Lab jobs on a real Ray head (engine/jobs/ray_backend.py), the one tests/run.sh starts on
loopback with 2 CPUs: a real QLoRA run with live progress, cancel, a crash, turns, and a job
that outlives the app process that submitted it; and, without a head, the GPU share a run
asks for and the error for an absent head."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from engine.lab import runs
from engine.lab.settings import GlossaryEntry, LabSettings
from engine.jobs.shared_queue import SharedQueue
from engine.jobs.worker import describe_exit
from tests.conftest import ROOT
from tests.raycluster import ray_address

HERE = "tests.jobs.test_queue"


def on_ray(url: str) -> SharedQueue:
    from engine.jobs.ray_backend import RayRunner

    return SharedQueue(RayRunner(ray_address(), url, grace_s=0.5), store_url=url, max_queued=3)


@pytest.fixture(autouse=True)
def any_model(monkeypatch):
    """These runs train a tiny random model in a temp folder, which the default allow-list
    (models/*, engine/lab/models.py) refuses."""
    monkeypatch.setenv("LORA_LAB_ALLOWED_MODELS", "*")


@pytest.fixture
def queue(url):
    q = on_ray(url)
    yield q
    q.shutdown()


@pytest.mark.slow
def test_a_real_qlora_run_goes_to_the_end_with_live_progress(queue, tmp_path):
    from tests.ui.test_lab_page import make_tiny_llama

    glossary = [GlossaryEntry(term="Zorblax", definition="our internal ticket tracker"),
                GlossaryEntry(term="Quibblet", definition="a five minute stand-up")]
    model = make_tiny_llama(tmp_path / "tiny", [f"What is {g.term}? {g.definition}." for g in glossary] * 4)
    settings = LabSettings(model=str(model), steps=3, rank=4, batch_size=2, seq_len=16)
    job = runs.submit_comparison(queue, settings, glossary, ["qlora"], owner="learner-1")["qlora"]
    seen = []
    info = queue.status(job)
    while not info.finished:
        if info.state == "running" and info.progress:
            seen.append((info.progress.get("phase"), len(info.losses)))
        time.sleep(0.1)
        info = queue.status(job)
    assert info.state == "done", info.error
    assert seen, "no progress was seen while the job ran"
    assert info.result["method"] == "qlora" and info.result["steps"] == 3
    # the random tiny model may give NaN after its first QLoRA step on a CPU; the stream must match anyway
    assert info.losses == pytest.approx(info.result["loss_curve"], nan_ok=True) and len(info.losses) == 3
    assert info.started_at >= info.submitted_at and info.progress


@pytest.mark.slow
def test_a_running_job_is_cancelled(queue):
    job = queue.submit(f"{HERE}:polite", owner="learner-1")
    queue_wait_running(queue, job)
    assert queue.cancel(job)
    assert queue.wait(job, 60).state == "cancelled"


@pytest.mark.slow
def test_a_crashing_job_gets_the_local_queues_message(queue):
    job = queue.submit(f"{HERE}:suicidal", owner="learner-1")
    info = queue.wait(job, 120)
    assert (info.state, info.error) == ("failed", describe_exit(-9))
    assert "out-of-memory killer" in info.error
    broken = queue.wait(queue.submit(f"{HERE}:broken", owner="learner-1"), 120)
    assert (broken.state, broken.error) == ("failed", "ValueError: rank 0 makes no sense here")


@pytest.mark.slow
def test_learners_take_turns_on_ray(queue):
    """Two CPUs, one learner's three runs and another's one: the other's does not wait for all three."""
    mine = queue.submit_group(f"{HERE}:timed", {n: {"seconds": 1.0} for n in ("a1", "a2", "a3")}, owner="A")
    theirs = queue.submit(f"{HERE}:timed", {"seconds": 1.0}, owner="B")
    ended = {job: queue.wait(job, 120) for job in [*mine.values(), theirs]}
    assert all(info.state == "done" for info in ended.values())
    assert ended[theirs].started_at < ended[mine["a3"]].started_at


@pytest.mark.slow
def test_with_more_than_500_jobs_on_ray_the_oldest_still_start_in_turn(url):
    """Issue 21: the dispatcher read the same window of the newest 500 jobs, so the oldest waited forever."""
    from engine.jobs.fair import Caps
    from engine.jobs.ray_backend import RayRunner
    from engine.progress.jobs import UNFINISHED
    from tests.jobs.test_shared_queue import crowd

    queue = SharedQueue(RayRunner(ray_address(), url, grace_s=0.5), store_url=url, caps=Caps(total=1000))
    try:
        first = crowd(queue, f"{HERE}:polite")
        queue_wait_running(queue, first["a"], timeout=180)  # the oldest learner's first run is first in turn
        assert queue.status(first["b"]).place is not None and queue.status(first["c"]).place is not None
        assert len(queue.db.jobs(states=UNFINISHED)) == 513  # none dropped
    finally:
        for record in queue.db.jobs(states=UNFINISHED):
            queue.cancel(record.id)
        queue.wait(first["a"], 60)
        queue.shutdown()


@pytest.mark.slow
def test_ray_jobs_fork_from_their_nodes_warm_worker(url, monkeypatch):
    import ray

    from engine.jobs.ray_backend import RayRunner
    from engine.jobs.ray_warm import NAMESPACE, warm_node_name

    monkeypatch.setenv("LORA_LAB_WARM_WORKER", "lab")
    warm = SharedQueue(RayRunner(ray_address(), url, grace_s=0.5, warmup=f"{HERE}:warm_up"), store_url=url)
    try:
        warm.warm()  # a WarmNode on every node, before any job
        first = warm.wait(warm.submit(f"{HERE}:where", {"note": "A"}, owner="learner-1"), 120)
        second = warm.wait(warm.submit(f"{HERE}:where", {"note": "B"}, owner="learner-2"), 120)
        assert (first.state, second.state) == ("done", "done"), (first.error, second.error)
        template = first.result["warmed_in"]
        assert first.result["parent"] == second.result["parent"] == template  # both forked from one warm template
        assert first.result["pid"] != second.result["pid"] and second.result["seen"] == []  # nothing left from A
        node = ray.get_actor(warm_node_name(ray.get_runtime_context().get_node_id(), f"{HERE}:warm_up"),
                             namespace=NAMESPACE)
        assert ray.get(node.template.remote())["pid"] == template
        running = warm.submit(f"{HERE}:polite", owner="learner-1")
        queue_wait_running(warm, running)
        assert warm.cancel(running) and warm.wait(running, 60).state == "cancelled"
        dead = warm.wait(warm.submit(f"{HERE}:suicidal", owner="learner-1"), 120)
        assert (dead.state, dead.error) == ("failed", describe_exit(-9))
    finally:
        warm.shutdown()


SUBMIT_THEN_DIE = """
import os, sys, time
sys.path.insert(0, {root!r})
from engine.jobs.ray_backend import RayRunner
from engine.jobs.shared_queue import SharedQueue
queue = SharedQueue(RayRunner({address!r}, {url!r}), store_url={url!r})
job = queue.submit("tests.jobs.test_queue:timed", {{"seconds": 4.0}}, owner="learner-1")
while queue.status(job).state != "running":
    time.sleep(0.1)
print(job, flush=True)
os.kill(os.getpid(), 9)
"""


@pytest.mark.slow
def test_killing_the_app_that_submitted_a_job_does_not_stop_it(url):
    code = SUBMIT_THEN_DIE.format(root=str(ROOT), address=ray_address(), url=url)
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    job = run.stdout.strip().splitlines()[-1]
    restarted = on_ray(url)
    try:
        info = restarted.wait(job, 120)
        assert info.state == "done", info.error
        assert info.losses == [1.0, 0.5, 1 / 3, 0.25] and info.result["end"] > info.result["start"]
    finally:
        restarted.shutdown()


def queue_wait_running(queue, job, timeout=120.0):

    deadline = time.monotonic() + timeout
    while not ((info := queue.status(job)).state == "running" and info.progress):
        assert time.monotonic() < deadline, info
        time.sleep(0.1)


def test_a_tiny_model_run_asks_for_a_small_share_of_a_big_gpu():
    from engine.jobs.ray_backend import GIB, gpu_fraction
    from engine.lab.footprint import predicted_bytes

    predicted = predicted_bytes({"settings": LabSettings(), "method": "qlora"})  # the shipped model
    share = gpu_fraction(predicted, 141 * GIB)  # an H200
    assert share == pytest.approx(0.01)  # 572 MiB × 1.25 of 141 GiB, rounded up to 1/100
    assert int(1 / share) >= 20  # dozens side by side
    assert gpu_fraction(None, 141 * GIB) == pytest.approx(0.04)  # unknown: 4 GiB with its margin, 5 GiB of 141
    assert gpu_fraction(200 * GIB, 141 * GIB) == 1.0  # never more than one GPU


def test_a_ray_runner_sizes_jobs_by_the_function_it_is_named():
    """The jobs package reads no job's settings: the caller names the function that does."""
    from engine.jobs.ray_backend import RayRunner

    runner = RayRunner.__new__(RayRunner)  # no cluster needed to size a job
    runner._gpus, runner._per_gpu, runner._cpus = 1.0, 141 * 1024**3, 1.0
    runner._needs = lambda kwargs: kwargs["bytes"]
    assert runner.resources({"bytes": 70 * 1024**3}) == {"GPU": 0.63, "CPU": 1.0}  # 70 × 1.25 / 141, rounded up


def test_an_absent_ray_head_is_a_quick_clear_error():
    import socket
    import time

    from engine.jobs.ray_backend import check_reachable

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(ConnectionError, match=rf"no Ray head answers at ray://127.0.0.1:{port}"):
        check_reachable(f"ray://127.0.0.1:{port}")
    assert time.monotonic() - start < 5
    with pytest.raises(ValueError, match="LORA_LAB_RAY_ADDRESS must be ray://HOST:PORT, HOST:PORT or auto"):
        check_reachable("somewhere")
