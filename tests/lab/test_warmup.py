"""The lab's warm-up (engine/lab/warmup.py) in the job queue's warm template: it leaves the
template fit to fork (the template checks: one thread), and a run forked from it gives exactly
what a run in a fresh interpreter gives."""

from __future__ import annotations

import pytest

from engine.jobs.queue import JobQueue
from engine.lab import warmup
from engine.lab.settings import LabSettings
from engine.lab.skill import DEFAULT_GLOSSARY

TARGET = "engine.lab.finetune:run_lab"


def _run(queue: JobQueue, method: str) -> dict:
    settings = LabSettings(steps=3, stop_loss=0)
    info = queue.wait(queue.submit(TARGET, {"settings": settings, "glossary": DEFAULT_GLOSSARY[:4], "method": method}),
                      600)
    assert info.state == "done", (info.error, info.detail)
    return info.result


@pytest.mark.slow
@pytest.mark.parametrize("method", ["qlora"])
def test_a_run_forked_from_the_warm_worker_equals_a_cold_one(method, tmp_path, monkeypatch):
    monkeypatch.setenv("LORA_LAB_RUNS", str(tmp_path))
    warm, cold = JobQueue(warmup=warmup.NAME, threads=2), JobQueue(threads=2)
    try:
        warm.warm()
        forked, spawned = _run(warm, method), _run(cold, method)
        template = warm.launcher.template
        assert template.state == "ready", template.error  # the warm-up left one thread: fit to fork
        assert forked["loss_curve"] == spawned["loss_curve"]  # the same seeded run, to the last bit
        assert [a["after"] for a in forked["answers"]] == [a["after"] for a in spawned["answers"]]
        assert forked["trainable_params"] == spawned["trainable_params"]
        # its peak counts the model it loads, as a fresh process's does (the template dropped its copy)
        assert forked["peak_memory_bytes"] == pytest.approx(spawned["peak_memory_bytes"], rel=0.35)
    finally:
        warm.shutdown()
        cold.shutdown()


@pytest.mark.gpu
def test_a_run_forked_from_the_warm_worker_trains_on_the_gpu(tmp_path, monkeypatch):
    """The template never touches CUDA (a child cannot use CUDA its parent initialised), so its forks can."""
    monkeypatch.setenv("LORA_LAB_RUNS", str(tmp_path))
    queue = JobQueue(warmup=warmup.NAME)
    try:
        queue.warm()
        result = _run(queue, "qlora")
        assert queue.launcher.template.state == "ready", queue.launcher.template.error
        assert result["device"] == "cuda" and len(result["loss_curve"]) == 3
    finally:
        queue.shutdown()
