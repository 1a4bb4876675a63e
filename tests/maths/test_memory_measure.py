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
