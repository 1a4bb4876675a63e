"""The thread rule (engine/jobs/threads.py): threads per worker and jobs at once from the CPUs
this process may use, cgroup quotas read from fake cgroup folders, the LORA_LAB_THREADS
override, and a real worker that gets the count the queue planned."""

from __future__ import annotations

import os

import pytest

from engine.jobs import threads as rule
from engine.jobs.queue import JobQueue
from engine.jobs.threads import ThreadPlan, cgroup_quota, plan_threads

HERE = "tests.jobs.test_threads"


def seen_threads(*, on_progress=None, should_stop=None) -> dict:
    """A job function: the thread settings the worker process was started with."""
    import torch

    return {"omp": os.environ.get("OMP_NUM_THREADS"), "torch": torch.get_num_threads(), "nice": os.nice(0),
            "wait": os.environ.get("OMP_WAIT_POLICY")}


@pytest.mark.parametrize(("cpus", "quota", "jobs", "threads", "at_once"), [
    (2, None, 1, 2, 1),  # the 2-core laptop: one job, both cores (the server needs ~0.1 CPU)
    (1, None, 1, 1, 1),
    (4, None, 1, 3, 1),  # from 4 CPUs on, a whole CPU is left to the server and the browser
    (16, None, 1, 15, 1),
    (16, None, 3, 5, 3),  # three jobs share the 15 free CPUs
    (8, 2.0, 1, 2, 1),  # a cgroup quota of 2 CPUs wins over 8 in the affinity mask
    (8, 1.5, 1, 1, 1),
    (8, None, 16, 1, 7),  # 16 jobs asked on 8 CPUs: 7 at once, one thread each
    (2, None, 4, 2, 1),  # LORA_LAB_MAX_JOBS=4 on 2 CPUs: one at a time, never 4 teams on 2 cores
])
def test_the_rule(cpus, quota, jobs, threads, at_once):
    plan = plan_threads(cpus=cpus, quota=quota, jobs=jobs)
    assert (plan.threads, plan.jobs) == (threads, at_once)


@pytest.mark.parametrize("cpus", range(1, 65))
@pytest.mark.parametrize("jobs", [1, 2, 3, 8, 16])
def test_jobs_at_once_never_ask_for_more_threads_than_cpus(cpus, jobs):
    plan = plan_threads(cpus=cpus, quota=None, jobs=jobs)
    assert 1 <= plan.jobs <= jobs
    assert plan.jobs * plan.threads <= cpus
    assert plan.jobs == 1 or plan.jobs * plan.threads <= cpus - 0.5  # several jobs leave the reserve free


def test_the_override_sets_the_threads_and_still_caps_the_jobs():
    assert plan_threads(cpus=2, quota=None, jobs=4, override=1) == ThreadPlan(jobs=1, threads=1, usable_cpus=2.0,
                                                                              overridden=True)


def test_the_override_comes_from_lora_lab_threads():
    assert rule.threads_override({}) is None
    assert rule.threads_override({"LORA_LAB_THREADS": " 3 "}) == 3
    for bad in ("0", "two", "-1", "1000"):
        with pytest.raises(ValueError, match=f"LORA_LAB_THREADS must be a whole number from 1 to 256, not '{bad}'"):
            rule.threads_override({"LORA_LAB_THREADS": bad})


def test_nonsense_counts_are_refused():
    with pytest.raises(ValueError, match="cpus and jobs must be at least 1"):
        plan_threads(cpus=0, quota=None, jobs=1)


def _cgroup(tmp_path, own: str, files: dict[str, str]):
    root = tmp_path / "cgroup"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    proc = tmp_path / "proc-self-cgroup"
    proc.write_text(own)
    return root, proc


def test_cgroup_v2_quota_of_the_process_own_group(tmp_path):
    root, proc = _cgroup(tmp_path, "0::/lab.slice/app\n", {"lab.slice/app/cpu.max": "150000 100000\n",
                                                          "cpu.max": "max 100000\n"})
    assert cgroup_quota(root, proc) == 1.5


def test_cgroup_v2_without_a_quota(tmp_path):
    root, proc = _cgroup(tmp_path, "0::/\n", {"cpu.max": "max 100000\n"})
    assert cgroup_quota(root, proc) is None


def test_cgroup_v1_quota(tmp_path):
    own = "4:memory:/x\n2:cpu,cpuacct:/docker/abc\n"
    root, proc = _cgroup(tmp_path, own, {"cpu,cpuacct/docker/abc/cpu.cfs_quota_us": "200000\n",
                                         "cpu,cpuacct/docker/abc/cpu.cfs_period_us": "100000\n"})
    assert cgroup_quota(root, proc) == 2.0


def test_cgroup_v1_minus_one_is_no_quota_and_no_cgroup_is_none(tmp_path):
    root, proc = _cgroup(tmp_path, "1:cpu:/\n", {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"})
    assert cgroup_quota(root, proc) is None
    assert cgroup_quota(tmp_path / "nothing", tmp_path / "no-proc-file") is None


def test_the_queue_from_the_environment_caps_jobs_to_the_cpus(monkeypatch):
    monkeypatch.setattr(rule, "affinity_cpus", lambda: 2)
    monkeypatch.setattr(rule, "cgroup_quota", lambda: None)
    monkeypatch.setenv("LORA_LAB_MAX_JOBS", "4")
    monkeypatch.delenv("LORA_LAB_THREADS", raising=False)
    queue = JobQueue.from_env()
    try:
        assert (queue.max_running, queue.threads) == (1, 2)
    finally:
        queue.shutdown()


def test_a_worker_runs_with_the_planned_threads_and_is_not_niced():
    queue = JobQueue(max_running=1, threads=1)
    try:
        info = queue.wait(queue.submit(f"{HERE}:seen_threads"), timeout=120)
    finally:
        queue.shutdown()
    assert info.state == "done", info.error
    assert info.result["omp"] == "1" and info.result["torch"] == 1 and info.result["wait"] is not None
    assert info.result["nice"] == os.nice(0)  # the same priority as the server


def test_the_cli_uses_every_usable_cpu_or_the_override(monkeypatch):
    monkeypatch.delenv("LORA_LAB_THREADS", raising=False)
    monkeypatch.setattr(rule, "affinity_cpus", lambda: 8)
    monkeypatch.setattr(rule, "cgroup_quota", lambda: None)
    assert rule.cli_threads() == 8  # no server beside it: nothing reserved
    monkeypatch.setattr(rule, "cgroup_quota", lambda: 2.5)
    assert rule.cli_threads() == 2  # a quota of 2.5 CPUs: 3 threads would be throttled
    monkeypatch.setenv("LORA_LAB_THREADS", "3")
    assert rule.cli_threads() == 3


def test_use_threads_sets_openmp_and_mkl_before_torch_starts(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("MKL_NUM_THREADS", raising=False)
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    monkeypatch.delitem(__import__("sys").modules, "torch", raising=False)  # as in a fresh worker
    rule.use_threads(3)
    assert os.environ["OMP_NUM_THREADS"] == os.environ["MKL_NUM_THREADS"] == "3"
    assert os.environ["OMP_WAIT_POLICY"] == "PASSIVE"  # no spinning team beside a busy server


def test_a_wait_policy_the_user_chose_is_kept(monkeypatch):
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    monkeypatch.delitem(__import__("sys").modules, "torch", raising=False)
    rule.use_threads(2)
    assert os.environ["OMP_WAIT_POLICY"] == "ACTIVE"
