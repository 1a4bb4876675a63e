"""Predicted against measured training memory, for full fine-tuning, LoRA and QLoRA.

    python benchmarks/memory_measured.py [--quick]

For two architecture shapes that fit a small CPU machine (GPT-2 124M, all 12 layers;
Qwen2.5-0.5B scaled down to 8 of its 24 layers, embeddings and all else at full size),
each method runs two training steps in a fresh subprocess on random weights
(engine/maths/memory_measure.py says exactly what is measured). Prints predicted and
measured GiB with the measured/predicted ratio, and writes
benchmarks/results/memory_measured.json, which the Memory page charts.
Goal (issue 5): states (weights + gradients + optimizer) within 10%, peak within 25%.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.maths import memory, memory_measure  # noqa: E402

SHAPES = [  # (preset, layers or None for all, batch, seq)
    ("gpt2-125m", None, 1, 128),
    ("qwen2.5-0.5b", 8, 1, 128),
]
HOW = ("CPU, fp32, torch fused AdamW, LoRA r=16 on PEFT's default targets, QLoRA NF4 with double "
       "quantization; random weights of the real shape; peak RSS above the pre-model baseline over two steps, "
       "gradients freed after each step (set_to_none, as HF Trainer); one fresh subprocess per method. Qwen2.5-0.5B scaled to 8 of 24 layers.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="GPT-2 shape only")
    parser.add_argument("--out", default=str(ROOT / memory_measure.RESULTS_PATH))
    args = parser.parse_args()
    rows, start = [], time.perf_counter()
    for preset, layers, batch, seq in SHAPES[:1] if args.quick else SHAPES:
        setup = memory.TrainingSetup(method="full", batch_size=batch, seq_len=seq, rank=16)
        rows += memory_measure.measure_all(memory.load_config(preset), setup, methods=["full", "lora", "qlora"],
                                           layers=layers, label=preset)
        print(memory_measure.format_rows(rows[-3:]), flush=True)
    print(f"\n{HOW}\n{time.perf_counter() - start:.0f} s in all")
    result = {"how": HOW, "machine": f"{platform.machine()} {platform.system()}, "
              f"{__import__('os').cpu_count()} CPUs", "measured_on": time.strftime("%Y-%m-%d"), "rows": rows}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
