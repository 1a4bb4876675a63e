"""Benchmark of the live lab: every figure of full, LoRA and QLoRA on the shipped model.

How it measures: each method runs `python -m engine lab --method M --full-json` in a
fresh process (so one method's freed memory cannot hide in the next one's RSS), with
the lab's default settings and glossary. From each result it prints wall time (of
run_lab, model load and both skill checks included, and of the whole process,
Python imports included), tokens per second of the training loop, trainable and
total parameters (peft's count), peak memory above the process baseline (CPU: RSS
sampled every 2 ms; GPU: torch.cuda.max_memory_allocated), the byte ledger, skill
before/after and adapter vs base size. Then it checks the goals of the lab issue:
  * default QLoRA run: skill >= 0.9 within 30 s wall-clock, model load included;
  * QLoRA base weights: <= 0.6 bytes per 4-bit parameter (4 bits + constants);
  * measured peak memory ordered full > LoRA > QLoRA.
Usage: python benchmarks/lab.py [--steps N] [--repeat K]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024


def run_method(method: str, extra: list[str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "engine", "lab", "--method", method, "--full-json", *extra],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"{method} failed:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = time.perf_counter() - start
    return result


def show(r: dict) -> None:
    led = r["ledger"]
    print(f"\n== {r['method']} on {r['device']} ({r['model']})")
    print(f"  wall time: run_lab {r['seconds']:.1f} s (load + checks + train), process {r['process_seconds']:.1f} s"
          f" (imports too), training loop {r['train_seconds']:.1f} s")
    print(f"  tokens/s (training, non-padding tokens): {r['tokens_per_s']:.0f}")
    print(f"  trainable / total params: {r['trainable_params']:,} / {r['total_params']:,}"
          f" = {100 * r['trainable_params'] / r['total_params']:.2f} %")
    print(f"  peak memory above baseline: {r['peak_memory_bytes'] / MiB:.1f} MiB")
    print(f"  ledger: weights {led['weights_bytes'] / MiB:.2f} MiB (base {led['base_weights_bytes'] / MiB:.2f},"
          f" trainable {led['trainable_weights_bytes'] / MiB:.2f}), gradients {led['gradient_bytes'] / MiB:.2f} MiB,"
          f" optimizer {led['optimizer_bytes'] / MiB:.2f} MiB, total {led['total_bytes'] / MiB:.2f} MiB")
    print(f"  skill before -> after: {r['skill_before']:.2f} -> {r['skill_after']:.2f}")
    print(f"  loss: {r['loss_curve'][0]:.3f} -> {r['loss_curve'][-1]:.3f} over {r['steps']} steps")
    print(f"  adapter file {r['adapter_bytes'] / 1024:.0f} KiB vs base model file {r['base_model_bytes'] / MiB:.1f} MiB")
    for a in r["answers"][:3]:
        print(f"    {a['question']} -> before {a['before']!r}, after {a['after']!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int)
    parser.add_argument("--repeat", type=int, default=1, help="QLoRA runs for the 30 s goal (best and worst shown)")
    args = parser.parse_args()
    extra = ["--steps", str(args.steps)] if args.steps else []
    results = {m: run_method(m, extra) for m in ("full", "lora", "qlora")}
    for r in results.values():
        show(r)
    q = results["qlora"]
    runs = [q] + [run_method("qlora", extra) for _ in range(args.repeat - 1)]
    print("\n== goals")
    for i, r in enumerate(runs):
        ok = r["skill_after"] >= 0.9 and r["seconds"] <= 30
        print(f"  QLoRA run {i + 1}: skill {r['skill_after']:.2f} in {r['seconds']:.1f} s run_lab wall-clock "
              f"({r['process_seconds']:.1f} s with imports): {'MET' if ok else 'MISSED'} (goal >= 0.9 within 30 s)")
    led = q["ledger"]
    per_q = led["quantized_bytes"] / led["quantized_params"]
    per_base = led["base_weights_bytes"] / led["base_params"]
    print(f"  QLoRA 4-bit weights: {led['quantized_bytes']:,} B / {led['quantized_params']:,} params = "
          f"{per_q:.3f} B/param: {'MET' if per_q <= 0.6 else 'MISSED'} (goal <= 0.6)")
    print(f"  QLoRA all base weights incl. fp32 embedding and norms: {per_base:.3f} B/param")
    peaks = [results[m]["peak_memory_bytes"] for m in ("full", "lora", "qlora")]
    ordered = peaks[0] > peaks[1] > peaks[2]
    print(f"  peak memory full {peaks[0] / MiB:.1f} > LoRA {peaks[1] / MiB:.1f} > QLoRA {peaks[2] / MiB:.1f} MiB: "
          f"{'MET' if ordered else 'MISSED'}")
    ledgers = [results[m]["ledger"]["total_bytes"] for m in ("full", "lora", "qlora")]
    print(f"  ledger totals full {ledgers[0] / MiB:.1f} / LoRA {ledgers[1] / MiB:.1f} / QLoRA {ledgers[2] / MiB:.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
