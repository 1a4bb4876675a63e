"""`python -m engine pretrain`: rebuild the shipped base model models/lora-lab-tiny from scratch."""

from __future__ import annotations

import argparse
from dataclasses import fields

HELP = "Pretrain the lab's small Llama model on the project's own corpus (seeded; ~15-40 min on 2 CPU cores)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from engine.lab.pretrain import PretrainConfig

    for f in fields(PretrainConfig):
        parser.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=f.default,
                            help=f"default: {f.default}")


def run(args: argparse.Namespace) -> int:
    from engine.lab.pretrain import PretrainConfig, pretrain

    cfg = PretrainConfig(**{f.name: getattr(args, f.name) for f in fields(PretrainConfig)})
    if cfg.steps < 1 or cfg.n_docs < 100 or cfg.hidden_size % cfg.heads:
        print("error: need --steps >= 1, --n-docs >= 100 and --hidden-size divisible by --heads")
        return 2
    pretrain(cfg)
    return 0
