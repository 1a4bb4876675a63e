"""Memory at scale: the lab's second kind of run. Real training steps of full fine-tuning,
LoRA and QLoRA on a shape big enough for their memory to differ plainly, beside the
prediction of engine.maths.memory for the same shape.

Why: the shipped model is so small (3.1 M parameters, 12 MB of fp32 weights) that on the
CPU its peak RSS is mostly the process's own overhead, and the noise is larger than the
differences between methods. A GPT-2 125M shape with random weights (the values of the
weights do not change how many bytes they take) shows the savings, batch 1 of 64 tokens by
default (64 tokens rather than 128 halves the compute; the weights, gradients and optimizer
state that tell the methods apart do not change). `python benchmarks/lab.py --only-memory`
stores what it measured in benchmarks/results/memory_scale.json, which lesson 6 quotes.

    job queue worker ─▶ run_memory_scale ─▶ for each method:
        engine.maths.memory.estimate (the prediction and its ledger of components)
        engine.maths.memory_measure.measure_one ─fork─▶ memory_step (two AdamW steps,
            peak RSS on the CPU, torch.cuda.max_memory_allocated on a GPU, auto-selected)

Each method runs in a fresh child process, so one method's freed memory never hides in the
next one's peak: on a CPU a fork of this worker, which has torch and the libraries imported
already when it came from the lab's warm worker (engine/lab/warmup.py), so the three methods
share one import instead of paying three (a new interpreter where a fork is not safe, and
on a GPU). Runs as a job target (engine/jobs/worker.py imports
"engine.lab.memory_scale:run_memory_scale" in a worker) and from
`python -m engine lab --memory-scale`.
"""

from __future__ import annotations

import time
from typing import Callable

from engine.maths import memory, memory_measure

METHODS: tuple[str, ...] = ("full", "lora", "qlora")
DEFAULT_PRESET = "gpt2-125m"
# Each measured peak should be within this share of its prediction (the lab issue's goal).
TOLERANCE = 0.15
HOW = ("Two real AdamW steps per method on random weights of the shape, each method in a fresh child process. "
       "CPU: fp32, peak resident memory (RSS) above the process's level before the model was built. "
       "GPU: bf16, torch.cuda.max_memory_allocated. QLoRA: NF4 with double quantization; LoRA and QLoRA: "
       "rank {rank} on PEFT's default target modules.")


def run_memory_scale(preset: str = DEFAULT_PRESET, *, config: dict | None = None, batch_size: int = 1,
                     seq_len: int = 64, rank: int = 16, layers: int | None = None,
                     methods: tuple[str, ...] | list[str] = METHODS,
                     on_progress: Callable[[dict], None] | None = None,
                     should_stop: Callable[[], bool] | None = None) -> dict:
    """Measure and predict each method's peak; `config` (a HF config dict) replaces the preset.

    Returns a JSON-safe dict: one row per method (measured and predicted bytes, their ratio,
    the predicted components), whether the peaks are ordered full > LoRA > QLoRA, and
    whether each is within TOLERANCE of its prediction.
    """
    from engine.lab.finetune import Cancelled

    progress = on_progress or (lambda _: None)
    stop = should_stop or (lambda: False)
    unknown = [m for m in methods if m not in METHODS]
    if not methods or unknown:
        raise ValueError(f"methods: choose one or more of {', '.join(METHODS)} (you gave {list(methods)!r})")
    label = "custom shape" if config is not None else preset
    shape = memory_measure.scaled(config if config is not None else memory.load_config(preset), layers)
    setup = memory.TrainingSetup(method="full", batch_size=batch_size, seq_len=seq_len, rank=rank)
    memory.estimate(shape, setup)  # a config the memory model cannot read fails here, before any subprocess
    device, free = memory_measure.device_and_free()
    start, rows = time.perf_counter(), []
    for i, method in enumerate(methods):
        if stop():
            raise Cancelled(f"stopped before measuring {method}")
        progress({"phase": "measure", "method": method, "step": i, "steps": len(methods)})
        try:
            row = memory_measure.measure_one(shape, setup, method, device=device, free=free, label=label,
                                             should_stop=stop)
        except memory_measure.Stopped as exc:
            raise Cancelled(str(exc)) from None
        rows.append(_public(row))
        progress({"phase": "measured", "method": method, "step": i + 1, "steps": len(methods),
                  "measured_peak": row["measured_peak"], "predicted_peak": row["predicted_peak"]})
    return summarise(rows, label=label, device=device, rank=rank, seconds=time.perf_counter() - start)


def _public(row: dict) -> dict:
    """The row as the page and the CLI show it: bytes, the ratio, and the prediction's ledger."""
    keys = ("method", "device", "layers", "batch_size", "seq_len", "rank", "precision", "optimizer",
            "predicted_peak", "measured_peak", "ratio_peak", "predicted_states", "measured_states",
            "ratio_states", "predicted_components", "seconds", "child")
    return {k: row[k] for k in keys}


def summarise(rows: list[dict], *, label: str, device: str, rank: int, seconds: float) -> dict:
    """The result of a run: rows plus the two checks the lab issue sets (ordering, tolerance)."""
    peaks = {r["method"]: r["measured_peak"] for r in rows}
    present = [m for m in METHODS if m in peaks]
    ordered = all(peaks[a] > peaks[b] for a, b in zip(present, present[1:]))
    return {
        "kind": "memory_scale", "model": label, "device": device, "rows": rows,
        "ordered": ordered, "within_tolerance": all(abs(r["ratio_peak"] - 1) <= TOLERANCE for r in rows),
        "tolerance": TOLERANCE, "seconds": round(seconds, 2), "how": HOW.format(rank=rank),
        "weights": "random (shape only)",
    }


def format_result(result: dict) -> str:
    """Predicted against measured peak per method, in GiB, and the two checks in words."""
    gib = memory.GIB
    lines = [f"memory at scale: {result['model']} on {result['device']}, {result['weights']}"]
    for r in result["rows"]:
        lines.append(f"  {r['method']:<6} measured {r['measured_peak'] / gib:7.3f} GiB   predicted "
                     f"{r['predicted_peak'] / gib:7.3f} GiB   ratio {r['ratio_peak']:.3f}   ({r['seconds']:.1f} s)")
    lines.append(f"  ordered full > LoRA > QLoRA: {'yes' if result['ordered'] else 'NO'}; each within "
                 f"{result['tolerance']:.0%} of its prediction: {'yes' if result['within_tolerance'] else 'NO'}")
    lines.append(f"  {result['seconds']:.1f} s in all. {result['how']}")
    return "\n".join(lines)
