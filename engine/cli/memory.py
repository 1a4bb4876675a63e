"""`python -m engine memory`: the training-memory breakdown of a model, or a measurement of it.

    python -m engine memory --model llama-7b --method qlora --batch 4 --seq 1024
    python -m engine memory --model path/to/config.json --method full --json
    python -m engine memory --model qwen2.5-0.5b --measure --layers 4

Bad input (unknown preset, unreadable config, absurd numbers) prints one line
naming what is wrong and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys

HELP = "Predict training memory by component (bytes, GiB); --measure runs one real step per method."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default="llama-7b", help="preset name (see engine/maths/presets/) or a config.json path")
    parser.add_argument("--method", choices=["full", "lora", "qlora"], default="qlora")
    parser.add_argument("--rank", type=int, default=16, help="LoRA rank r (default 16)")
    parser.add_argument("--targets", default=None,
                        help="comma-separated target modules, or all-linear (default: PEFT's)")
    parser.add_argument("--batch", type=int, default=1, help="micro-batch size (default 1)")
    parser.add_argument("--seq", type=int, default=512, help="sequence length in tokens (default 512)")
    parser.add_argument("--optimizer", default="adamw",
                        choices=["adamw", "adamw8bit", "paged_adamw8bit", "paged_adamw"])
    parser.add_argument("--precision", choices=["fp32", "mixed", "bf16"], default="mixed")
    parser.add_argument("--grad-checkpointing", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the breakdown as JSON")
    parser.add_argument("--measure", action="store_true",
                        help="instantiate the shape with random weights and measure one step per method")
    parser.add_argument("--layers", type=int, default=None, help="with --measure: scale the layer count down to fit")
    parser.add_argument("--methods", default="full,lora,qlora", help="with --measure: which methods to run")


# TrainingSetup field -> the flag that sets it, so an error names what the user typed.
_FLAGS = {"batch_size": "--batch", "seq_len": "--seq", "rank": "--rank", "target_modules": "--targets"}


def _targets(raw: str | None):
    if raw is None or raw == "all-linear":
        return raw
    return [t.strip() for t in raw.split(",") if t.strip()]


def _setup_fields(args: argparse.Namespace) -> dict:
    return {
        "method": args.method, "rank": args.rank, "target_modules": _targets(args.targets),
        "batch_size": args.batch, "seq_len": args.seq, "optimizer": args.optimizer,
        "precision": args.precision, "grad_checkpointing": args.grad_checkpointing,
    }


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from engine.maths import memory

    try:
        config = memory.load_config(args.model)
        setup = memory.TrainingSetup(**_setup_fields(args))
        breakdown = memory.estimate(config, setup)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "setup"
        return _fail(f"{_FLAGS.get(field, '--' + field)}: {err['msg']} (got {err.get('input')!r})")
    except ValueError as exc:
        return _fail(str(exc))
    if args.measure:
        return _measure(args, config, setup)
    if args.json:
        print(json.dumps({"model": args.model, "setup": setup.model_dump(), **breakdown.model_dump(),
                          "total": breakdown.total, "gpus": breakdown.gpu_table()}, indent=2))
    else:
        print(format_breakdown(args.model, setup, breakdown))
    return 0


def format_breakdown(model: str, setup, breakdown) -> str:
    """A table of bytes and GiB per component, the total, and the GPU fits."""
    gib = 1024**3
    lines = [f"{model}: {setup.method}, batch {setup.batch_size} x seq {setup.seq_len}, {setup.optimizer}, "
             f"{setup.precision}{', grad checkpointing' if setup.grad_checkpointing else ''}",
             f"  parameters {breakdown.n_params:,}, trainable {breakdown.n_trainable:,}"]
    for name, value in breakdown.components.items():
        lines.append(f"  {name:<18} {value:>20,} B {value / gib:>10.3f} GiB")
    lines.append(f"  {'TOTAL (GPU)':<18} {breakdown.total:>20,} B {breakdown.total / gib:>10.3f} GiB")
    for name, value in breakdown.offloaded.items():
        lines.append(f"  {name + ' (paged)':<18} {value:>20,} B {value / gib:>10.3f} GiB  off the GPU")
    fits = [f"{row['gpu_gib']} GB {'fits' if row['fits'] else 'no'} ({row['margin_gib']:+.1f})"
            for row in breakdown.gpu_table()]
    lines.append("  GPUs: " + ", ".join(fits))
    return "\n".join(lines)


def _measure(args: argparse.Namespace, config: dict, setup) -> int:
    from engine.maths import memory_measure

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    try:
        rows = memory_measure.measure_all(config, setup, methods=methods, layers=args.layers, label=args.model)
    except (memory_measure.WontFit, ValueError, RuntimeError) as exc:
        return _fail(str(exc))
    print(memory_measure.format_rows(rows))
    return 0
