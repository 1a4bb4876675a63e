"""Benchmark: the lab's training loop against a plain transformers Trainer + peft script.

The Trainer side is written the way the PEFT docs show it (Quicktour, "Train";
Quantization guide): load with BitsAndBytesConfig, prepare_model_for_kbit_training,
get_peft_model, then `Trainer(model, TrainingArguments(...), train_dataset,
data_collator).train()`. It uses the same model, glossary examples, LoRA config,
learning rate, batch size and number of steps as `engine.lab.finetune.run_lab`, in the
same process. One difference is deliberate and shared: gradient checkpointing is off
on both sides (prepare_model_for_kbit_training(..., use_gradient_checkpointing=False)),
so the figure compares the training loops, not a recompute setting.

How it measures: tokens = non-padding tokens of the batches each side actually
trained on (counted in the collator for the Trainer); time = run_lab's training loop
vs Trainer.train()'s own `train_runtime`. Rounds alternate (ours, Trainer, ours,
Trainer, ...) after one short warm-up each, because the CPU is shared and noisy.
It prints each round and the ratio of the mean tokens/s: ours / Trainer's (goal >= 1.0).
Usage: python benchmarks/lab_vs_trainer.py [--method qlora|lora] [--rounds K] [--steps N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def trainer_run(settings, method: str) -> tuple[float, int, list[float]]:
    """(train seconds, tokens, losses) of the PEFT-docs Trainer script."""
    import torch
    from transformers import AutoTokenizer, DataCollatorForSeq2Seq, Trainer, TrainingArguments

    from engine.lab.finetune import DEFAULT_GLOSSARY, attach_adapters, load_model, resolve_model
    from engine.lab.skill import TRAIN_TEMPLATES, encode, pairs

    model_id = resolve_model(settings.model)
    tokenizer = AutoTokenizer.from_pretrained(model_id)
    model = attach_adapters(load_model(model_id, method, "cpu"), method, settings)  # same setup as ours
    rows = []
    for ex in pairs(DEFAULT_GLOSSARY, TRAIN_TEMPLATES):
        enc = encode(tokenizer, [ex], settings.seq_len)
        rows.append({"input_ids": enc["input_ids"][0].tolist(), "labels": enc["labels"][0].tolist()})
    collate = DataCollatorForSeq2Seq(tokenizer, padding=True, label_pad_token_id=-100)
    seen = {"tokens": 0}

    def counting_collator(features):
        batch = collate(features)
        seen["tokens"] += int(batch["attention_mask"].sum())
        return batch

    with tempfile.TemporaryDirectory() as out:
        args = TrainingArguments(
            output_dir=out, max_steps=settings.steps, per_device_train_batch_size=settings.batch_size,
            learning_rate=settings.learning_rate, lr_scheduler_type="constant", logging_steps=1,
            save_strategy="no", report_to="none", use_cpu=not torch.cuda.is_available(),
            disable_tqdm=True, seed=settings.seed,
            dataloader_drop_last=True)  # full batches, like ours (40 examples / 16 leaves a batch of 8)
        trainer = Trainer(model=model, args=args, train_dataset=rows, data_collator=counting_collator)
        metrics = trainer.train().metrics
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    return metrics["train_runtime"], seen["tokens"], losses


def ours_run(settings, method: str) -> tuple[float, int, list[float]]:
    from engine.lab.finetune import DEFAULT_GLOSSARY, run_lab

    with tempfile.TemporaryDirectory() as out:
        r = run_lab(settings, DEFAULT_GLOSSARY, method, output_dir=out)
    return r["train_seconds"], r["tokens"], r["loss_curve"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=["lora", "qlora"], default="qlora")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--steps", type=int)
    args = parser.parse_args()
    from transformers.utils import logging as hf_logging

    from engine.lab.settings import LabSettings

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    settings = LabSettings(**({"steps": args.steps} if args.steps else {}))
    warm = settings.model_copy(update={"steps": 3})
    ours_run(warm, args.method), trainer_run(warm, args.method)
    rates = {"ours": [], "trainer": []}
    for i in range(args.rounds):
        for name, fn in (("ours", ours_run), ("trainer", trainer_run)):
            seconds, tokens, losses = fn(settings, args.method)
            rates[name].append(tokens / seconds)
            print(f"round {i + 1} {name:>7}: {settings.steps} steps, {tokens} tokens in {seconds:.2f} s = "
                  f"{tokens / seconds:.0f} tokens/s; loss {losses[0]:.3f} -> {losses[-1]:.3f}")
    ratio = statistics.mean(rates["ours"]) / statistics.mean(rates["trainer"])
    print(f"{args.method}: ours {statistics.mean(rates['ours']):.0f} tokens/s / Trainer "
          f"{statistics.mean(rates['trainer']):.0f} tokens/s = {ratio:.2f} ({'MET' if ratio >= 1 else 'MISSED'}, goal >= 1.0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
