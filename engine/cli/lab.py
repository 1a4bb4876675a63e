"""`python -m engine lab --method {full,lora,qlora}`: one live-lab fine-tune, no browser.

`python -m engine lab --memory-scale [--preset gpt2-125m] [--json]`: the lab's other kind of
run, real training steps of all three methods on a bigger random-weight shape, measured
peak memory beside the prediction (engine/lab/memory_scale.py).
"""

from __future__ import annotations

import argparse
import json
import sys

HELP = "Fine-tune the lab model on the glossary (full, LoRA or QLoRA) and print the measurements."

# The keys --json prints, in this order (the lab issue's CLI contract).
JSON_KEYS = ("method", "device", "steps", "seconds", "tokens_per_s", "trainable_params", "total_params",
             "peak_memory_bytes", "skill_before", "skill_after", "adapter_bytes", "stopped_at", "stop_reason",
             "threads")
# CLI flag -> LabSettings field; only flags the user gave override the defaults.
FLAGS = {"steps": "steps", "rank": "rank", "alpha": "alpha", "model": "model", "lr": "learning_rate",
         "batch_size": "batch_size", "seq_len": "seq_len", "seed": "seed", "targets": "target_modules",
         "stop_loss": "stop_loss", "dropout": "lora_dropout"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--method", choices=["full", "lora", "qlora"], default="qlora")
    parser.add_argument("--steps", type=int, help="training steps (1-500)")
    parser.add_argument("--rank", type=int, help="LoRA rank r (1-64)")
    parser.add_argument("--alpha", type=float, help="LoRA alpha; the update is scaled by alpha/r")
    parser.add_argument("--lr", type=float, help="learning rate")
    parser.add_argument("--batch-size", type=int, help="examples per step (1-64)")
    parser.add_argument("--seq-len", type=int, help="tokens per example (8-512)")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--stop-loss", type=float,
                        help="stop once the mean loss over a pass through the data is below this (0: run every step)")
    parser.add_argument("--dropout", type=float, help="LoRA dropout on the adapters' input (0 to <1)")
    parser.add_argument("--targets", nargs="+", help="module names that get adapters, e.g. q_proj v_proj")
    parser.add_argument("--model", help="local path or hub id (default: $LORA_LAB_MODEL or models/lora-lab-tiny)")
    parser.add_argument("--output-dir", help="where to save the adapter (default: artifacts/lab/...)")
    parser.add_argument("--json", action="store_true", help="print the measurements as one JSON object")
    parser.add_argument("--full-json", action="store_true", help="print the whole result (loss curve, code, ...)")
    parser.add_argument("--memory-scale", action="store_true",
                        help="measure full, LoRA and QLoRA peak memory on a bigger shape (random weights) "
                             "against the prediction; uses --preset, --layers, --batch-size, --seq-len, --rank")
    parser.add_argument("--preset", default=None, help="with --memory-scale: a memory preset (default gpt2-125m)")
    parser.add_argument("--layers", type=int, help="with --memory-scale: scale the layer count down to fit")


def settings_from(args: argparse.Namespace):
    """LabSettings from the flags given; raises ValueError with one line per bad field."""
    from pydantic import ValidationError

    from engine.lab.settings import LabSettings

    given = {field: getattr(args, flag) for flag, field in FLAGS.items() if getattr(args, flag) is not None}
    try:
        return LabSettings(**given)
    except ValidationError as exc:
        flag = {v: k for k, v in FLAGS.items()}
        lines = [f"--{flag.get(str(e['loc'][0]), e['loc'][0]).replace('_', '-')}: {e['msg']} (got {e.get('input')!r})"
                 for e in exc.errors()]
        raise ValueError("; ".join(lines)) from None


def _print_table(result: dict) -> None:
    led = result["ledger"]
    rows = [(k, result[k]) for k in JSON_KEYS] + [
        ("train_seconds", result["train_seconds"]), ("base_model_bytes", result["base_model_bytes"]),
        ("ledger weights/gradients/optimizer bytes",
         f"{led['weights_bytes']} / {led['gradient_bytes']} / {led['optimizer_bytes']}"),
        ("loss first -> last", f"{result['loss_curve'][0]:.3f} -> {result['loss_curve'][-1]:.3f}"),
        ("adapter_dir", result["adapter_dir"]),
    ]
    for key, value in rows:
        print(f"{key:>42}  {value}")
    for a in result["answers"]:
        print(f"  {a['question']!r}: before {a['before']!r} -> after {a['after']!r} (want {a['expected']!r})")


def run(args: argparse.Namespace) -> int:
    if args.memory_scale:
        return run_memory_scale(args)
    if args.preset is not None or args.layers is not None:
        print("error: --preset and --layers go with --memory-scale", file=sys.stderr)
        return 2
    try:
        settings = settings_from(args)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    import logging

    from transformers.utils import logging as hf_logging

    # bitsandbytes warns at import that an optional CPU kernel package is absent; it is unused here.
    logging.getLogger("bitsandbytes").setLevel(logging.ERROR)
    from engine.jobs.threads import cli_threads, use_threads

    try:
        use_threads(cli_threads())  # the CPUs this process may use, or LORA_LAB_THREADS
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from engine.lab.finetune import DEFAULT_GLOSSARY, run_lab

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    progress = (lambda p: None) if (args.json or args.full_json) else (
        lambda p: print(f"  {p['phase']} {p.get('step', '')}/{p.get('steps', '')}"
                        + (f" loss {p['loss']:.3f}" if "loss" in p else ""), file=sys.stderr))
    try:
        result = run_lab(settings, DEFAULT_GLOSSARY, args.method, on_progress=progress, output_dir=args.output_dir)
    except (OSError, ValueError, RuntimeError) as exc:  # missing model, bad config, out of memory
        print(f"error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else exc!r}", file=sys.stderr)
        return 1
    if args.full_json:
        print(json.dumps(result))
    elif args.json:
        print(json.dumps({k: result[k] for k in JSON_KEYS}))
    else:
        _print_table(result)
    return 0


def run_memory_scale(args: argparse.Namespace) -> int:
    """Memory at scale from the CLI: a table, or one JSON object with --json."""
    from pydantic import ValidationError

    from engine.lab.memory_scale import DEFAULT_PRESET, format_result, run_memory_scale as measure
    from engine.maths.memory_measure import WontFit

    given = {"batch_size": args.batch_size, "seq_len": args.seq_len, "rank": args.rank, "layers": args.layers}
    options = {k: v for k, v in given.items() if v is not None}
    progress = (lambda p: None) if (args.json or args.full_json) else (
        lambda p: print(f"  {p['phase']} {p['method']} ({p['step']}/{p['steps']})", file=sys.stderr))
    try:
        result = measure(args.preset or DEFAULT_PRESET, on_progress=progress, **options)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]).replace("_", "-") if err["loc"] else "setup"
        print(f"error: --{field}: {err['msg']} (got {err.get('input')!r})", file=sys.stderr)
        return 2
    except (WontFit, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except RuntimeError as exc:  # a measuring subprocess failed
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result) if (args.json or args.full_json) else format_result(result))
    return 0
