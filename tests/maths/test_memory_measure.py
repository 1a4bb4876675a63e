"""The measurement harness (engine/maths/memory_measure.py): one real training step per method
in a fresh subprocess, set beside the prediction."""

from __future__ import annotations

import pytest

from engine.maths import lora as lora_math
from engine.maths import memory, memory_measure


def test_measure_refuses_what_will_not_fit_before_starting_anything():
    setup = memory.TrainingSetup(method="full")
    with pytest.raises(memory_measure.WontFit, match="llama-65b full: predicted .* GiB .* free; try --layers"):
        memory_measure.measure_all(memory.load_config("llama-65b"), setup, methods=["full"], label="llama-65b")


def test_measured_setup_and_scaling():
    config = memory_measure.scaled(memory.load_config("qwen2.5-0.5b"), 4)
    assert lora_math.num_layers(config) == 4
    run = memory_measure.measured_setup(memory.TrainingSetup(optimizer="adamw8bit"), "qlora", "cpu")
    assert (run.method, run.precision, run.optimizer, run.overhead_bytes) == ("qlora", "fp32", "adamw", 0)
    with pytest.raises(ValueError, match="--layers"):
        memory_measure.scaled(config, 0)


@pytest.mark.slow
def test_measured_lora_step_matches_prediction_on_a_scaled_gpt2():
    # Real measurement: GPT-2 shape scaled to 2 layers, random weights, one subprocess (~15 s).
    # Issue 5's goals: weights + gradients + optimizer within 10%, the peak within 25%.
    rows = memory_measure.measure_all(memory.load_config("gpt2-125m"), memory.TrainingSetup(seq_len=64),
                                      methods=["lora"], layers=2, label="gpt2-125m")
    assert rows[0]["weights"] == "random (shape only)" and rows[0]["layers"] == 2
    assert rows[0]["ratio_states"] == pytest.approx(1.0, abs=0.10)
    assert rows[0]["ratio_peak"] == pytest.approx(1.0, abs=0.25)


@pytest.mark.gpu
def test_measured_steps_on_cuda_are_within_the_issue_goals():
    # On a GPU: torch.cuda.max_memory_allocated, bf16, all three methods on the GPT-2 shape.
    # Issue 5's goals: states within 10%, peak within 25%.
    rows = memory_measure.measure_all(memory.load_config("gpt2-125m"), memory.TrainingSetup(seq_len=256),
                                      methods=["full", "lora", "qlora"], label="gpt2-125m")
    for row in rows:
        assert row["device"] == "cuda"
        assert row["ratio_states"] == pytest.approx(1.0, abs=0.10), row["method"]
        assert row["ratio_peak"] == pytest.approx(1.0, abs=0.25), row["method"]


FORK_AFTER_OPENMP = """
import os, sys
sys.path.insert(0, {root!r})
import torch
from engine.maths.memory_measure import openmp_paused
torch.set_num_threads(2)
a = torch.randn(1000, 1000); [a @ a for _ in range(3)]  # a parallel region: libgomp's team exists now
assert openmp_paused()
pid = os.fork()
if pid == 0:
    a = torch.randn(1000, 1000); [a @ a for _ in range(3)]  # hangs in a child of an unpaused parent
    os._exit(0)
print(os.waitpid(pid, 0)[1])
"""


def test_a_fork_after_openmp_work_runs_once_the_pool_is_released():
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = subprocess.run([sys.executable, "-c", FORK_AFTER_OPENMP.format(root=str(ROOT))], capture_output=True,
                         text=True, timeout=120, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "0", out.stderr[-2000:]


FORKED_MEASUREMENT = """
import json, sys
sys.path.insert(0, {root!r})
from engine.maths import memory, memory_measure
rows = memory_measure.measure_all(memory.load_config("gpt2-125m"), memory.TrainingSetup(seq_len=64),
                                  methods=["lora"], layers=2, label="gpt2-125m")
print(json.dumps(rows[0]))
"""


@pytest.mark.slow
def test_a_forked_measurement_matches_the_prediction_as_a_new_interpreters_does():
    """In a process of one thread (a CLI, a lab worker) the child is a fork; the figures keep issue 5's goals."""
    import json
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = subprocess.run([sys.executable, "-c", FORKED_MEASUREMENT.format(root=str(ROOT))], capture_output=True,
                         text=True, timeout=600, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    row = json.loads(out.stdout.strip().splitlines()[-1])
    assert row["child"] == "fork"
    assert row["ratio_states"] == pytest.approx(1.0, abs=0.10)
    assert row["ratio_peak"] == pytest.approx(1.0, abs=0.25)
