"""Measure one training step's peak memory and set it beside engine.maths.memory's prediction.

The model is a real architecture's *shape* (a preset config.json) with RANDOM weights:
the values of the weights do not change how many bytes they take. Each method (full,
lora, qlora) runs in a fresh subprocess, so one run's allocator caches and freed-but-kept
pages never count toward the next.

What is measured (per method, two training steps, gradients freed after each step
with zero_grad(set_to_none=True) as HF Trainer does; the second step has the
optimizer state from the first):
    GPU: torch.cuda.max_memory_allocated() over the two steps (the CUDA context is not
         in it, so the prediction's overhead is set to 0).
    CPU: peak RSS (VmHWM in /proc/self/status, reset through /proc/self/clear_refs
         after the model is built) minus the RSS measured before the model was built.
"states": bytes held right after the last optimizer step (weights + gradients + optimizer
state; activations already freed). engine.maths.memory's peak adds activations and logits on top
of all states, an upper bound: with gradients freed between steps they never all coexist.
The child runs with MALLOC_MMAP_THRESHOLD_=65536 so that freed tensors leave the RSS.

On the CPU the step runs in fp32 with torch AdamW (bitsandbytes' 8-bit optimizers
need a GPU); on a GPU in bf16 (adapters fp32, PEFT's default). AdamW is torch's fused
kernel (fused=True, HF Trainer's default "adamw_torch_fused"), which updates in place.
Before the baseline the child trains a one-layer toy of the same family once, so lazy
imports and kernel set-up are not counted as the model's memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Callable

from engine.maths import memory

CHILD_TIMEOUT_S = 1800


class WontFit(RuntimeError):
    """The predicted peak is larger than the machine's free memory."""


class Stopped(Exception):
    """should_stop() returned True while a measurement ran; its subprocess was killed."""


def scaled(config: dict, layers: int | None) -> dict:
    """The config with its layer count replaced (to fit a small machine), else unchanged."""
    if layers is None:
        return dict(config)
    if not 1 <= layers <= 1000:
        raise ValueError(f"--layers must be in 1..1000, got {layers}")
    key = "n_layer" if "n_layer" in config else "num_hidden_layers"
    return {**config, key: layers}


def measured_setup(setup: memory.TrainingSetup, method: str, device: str) -> memory.TrainingSetup:
    """The setup a measurement actually runs, so the prediction describes the same step."""
    precision = "fp32" if device == "cpu" else ("bf16" if setup.precision == "mixed" else setup.precision)
    optimizer = "adamw" if device == "cpu" else setup.optimizer
    return setup.model_copy(update={"method": method, "precision": precision, "optimizer": optimizer,
                                    "overhead_bytes": 0, "attention": "sdpa"})


def device_and_free() -> tuple[str, int]:
    """("cuda", free GPU bytes) when torch sees a GPU, else ("cpu", available RAM bytes)."""
    import psutil
    import torch

    if torch.cuda.is_available():
        free, _total = torch.cuda.mem_get_info()
        return "cuda", int(free)
    return "cpu", int(psutil.virtual_memory().available)


def measure_all(config: dict, setup: memory.TrainingSetup, *, methods: list[str], layers: int | None = None,
                label: str = "model") -> list[dict]:
    """Predict, check it fits, then run one fresh subprocess per method. One dict per method."""
    config = scaled(config, layers)
    device, free = device_and_free()
    return [measure_one(config, setup, method, device=device, free=free, label=label) for method in methods]


def measure_one(config: dict, setup: memory.TrainingSetup, method: str, *, device: str, free: int,
                label: str = "model", should_stop: Callable[[], bool] | None = None) -> dict:
    """Predict one method's step, refuse it if it will not fit in `free` bytes, then measure it
    in a fresh subprocess. `should_stop()` is polled while the child runs: True kills it (Stopped)."""
    if method not in ("full", "lora", "qlora"):
        raise ValueError(f"unknown method {method!r}; choose from full, lora, qlora")
    run_setup = measured_setup(setup, method, device)
    predicted = memory.estimate(config, run_setup)
    need = predicted.total + predicted.offloaded_total if device == "cpu" else predicted.total
    if need * 1.15 > free:  # 15% headroom for the allocator and the step's temporaries
        raise WontFit(f"{label} {method}: predicted {need / memory.GIB:.2f} GiB (+15% headroom) but only "
                      f"{free / memory.GIB:.2f} GiB of {device} memory is free; "
                      "try --layers N or a smaller --seq/--batch")
    result = _run_child(config, run_setup, device, should_stop or (lambda: False))
    return _row(label, method, device, config, run_setup, predicted, result)


def _run_child(config: dict, setup: memory.TrainingSetup, device: str, should_stop: Callable[[], bool]) -> dict:
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "TOKENIZERS_PARALLELISM": "false"}
    payload = json.dumps({"config": config, "setup": setup.model_dump(), "device": device})
    proc = subprocess.Popen([sys.executable, "-m", "engine.maths.memory_step"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline, message = time.monotonic() + CHILD_TIMEOUT_S, payload
    try:
        while True:
            try:  # poll should_stop 5 times a second; the input is sent on the first call only
                stdout, stderr = proc.communicate(message, timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                message = None
                if should_stop():
                    raise Stopped(f"stopped while measuring {setup.method}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"measurement subprocess ({setup.method}) took over {CHILD_TIMEOUT_S} s") from None
    finally:
        if proc.poll() is None:  # stopped or timed out: the child must not outlive the request
            proc.kill()
            proc.wait()
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (stderr or stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"measurement subprocess failed ({setup.method}): {tail[0]}")
    return json.loads(lines[-1])


def _row(label, method, device, config, setup, predicted, result) -> dict:
    from engine.maths import lora

    return {
        "model": label, "method": method, "device": device, "layers": lora.num_layers(config),
        "batch_size": setup.batch_size, "seq_len": setup.seq_len, "rank": setup.rank,
        "precision": setup.precision, "optimizer": setup.optimizer, "weights": "random (shape only)",
        "predicted_states": predicted.states, "measured_states": result["states"],
        "predicted_peak": predicted.total, "measured_peak": result["peak"],
        "ratio_states": result["states"] / predicted.states, "ratio_peak": result["peak"] / predicted.total,
        "predicted_components": predicted.components, "seconds": result["seconds"],
    }


def format_rows(rows: list[dict]) -> str:
    """Predicted vs measured, GiB and measured/predicted ratio, one line per method."""
    gib = memory.GIB
    out = [f"{'model':<16}{'method':<7}{'L':>3}  {'states pred':>11} {'meas':>7} {'ratio':>6}   "
           f"{'peak pred':>9} {'meas':>7} {'ratio':>6}  (GiB; random weights, {rows[0]['device'] if rows else '-'})"]
    for r in rows:
        out.append(f"{r['model'][-15:]:<16}{r['method']:<7}{r['layers']:>3}  {r['predicted_states'] / gib:>11.3f} "
                   f"{r['measured_states'] / gib:>7.3f} {r['ratio_states']:>6.3f}   {r['predicted_peak'] / gib:>9.3f} "
                   f"{r['measured_peak'] / gib:>7.3f} {r['ratio_peak']:>6.3f}")
    return "\n".join(out)


RESULTS_PATH = "benchmarks/results/memory_measured.json"


def load_results(path: str = RESULTS_PATH) -> dict | None:
    """The benchmark's saved results ({"rows": [...], ...}), or None when absent or unreadable."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("rows"), list) else None
