"""The live lab's engine: fine-tune a causal LM on a glossary by full fine-tuning, LoRA or QLoRA.

    full   W  <- W - lr * Adam(dL/dW)                   every weight trains
    lora   h  = W x + (alpha/r) * B A x                 W frozen; A (r x d_in) random,
                                                        B (d_out x r) zero at start
    qlora  h  = dequant(W_nf4) x + (alpha/r) * B A x    W frozen in 4-bit NF4

LoRA: Hu et al. 2021, arXiv:2106.09685, sec. 4.1. QLoRA: Dettmers et al. 2023,
arXiv:2305.14314, sec. 3 (NF4, double quantization; compute in bf16 on a GPU, here
fp32 on the CPU). Loading and wiring follow the PEFT docs ("Quantization" guide:
BitsAndBytesConfig -> prepare_model_for_kbit_training -> get_peft_model).

`run_lab` is the one entry point, shared by the job queue, the CLI and the benchmarks.
The same steps, batches and seed are used for every method, so their figures compare.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Callable, Literal

from engine import ROOT
from engine.lab.settings import GlossaryEntry, LabSettings, revive
from engine.lab.skill import DEFAULT_GLOSSARY, TRAIN_TEMPLATES, batch_of, encode, pairs, skill_score  # noqa: F401

DEFAULT_MODEL = LabSettings.model_fields["model"].default
MODEL_ENV = "LORA_LAB_MODEL"
MAX_GRAD_NORM = 1.0  # gradient clipping, as transformers' TrainingArguments.max_grad_norm default


class Cancelled(Exception):
    """Raised by run_lab when should_stop() returned True."""


def resolve_model(name: str) -> str:
    """A local directory (absolute, or relative to the project root) or a hub id.

    LORA_LAB_MODEL replaces the default model; an explicit non-default name wins.
    """
    if name == DEFAULT_MODEL and os.environ.get(MODEL_ENV):
        name = os.environ[MODEL_ENV]
    path = Path(name).expanduser()
    if not path.is_absolute() and (ROOT / path).exists():
        path = ROOT / path
    if path.exists():
        return str(path)
    if name.startswith(("/", ".", "~")) or name.count("/") > 1 or name.startswith("models/"):
        raise FileNotFoundError(f"model folder not found: {name} (looked in {path if path.is_absolute() else ROOT / path})")
    from engine.lab.models import locate_hub_model  # the cache first; fails in seconds with no network

    return locate_hub_model(name)  # a hub id such as "HuggingFaceTB/SmolLM2-135M", or its cached folder


def preload(method: str) -> None:
    """Import the libraries and run a 1-layer, 16-wide model once before measuring, so the
    memory peak counts this run's tensors, not code pages and thread pools loaded on first use."""
    import peft  # noqa: F401
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    if method == "qlora":
        import bitsandbytes  # noqa: F401
        import peft.tuners.lora.bnb  # noqa: F401
    tiny = LlamaForCausalLM(LlamaConfig(vocab_size=32, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                                        num_attention_heads=2, num_key_value_heads=2))
    ids = torch.ones(1, 4, dtype=torch.long)  # (B=1, T=4)
    tiny(input_ids=ids, labels=ids).loss.backward()
    with torch.no_grad():
        tiny.generate(input_ids=ids, max_new_tokens=2, do_sample=False, pad_token_id=0)


def pick_device() -> str:
    """cuda when torch sees a GPU (compute in bf16), else cpu (compute in fp32)."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(model_id: str, method: str, device: str):
    """The base model as each method needs it: fp32 (full), frozen (lora) or NF4 (qlora)."""
    import torch
    from transformers import AutoModelForCausalLM

    if method != "qlora":
        dtype = torch.bfloat16 if (device == "cuda" and method == "lora") else torch.float32
        return AutoModelForCausalLM.from_pretrained(model_id, dtype=dtype).to(device)
    from transformers import BitsAndBytesConfig

    bnb = BitsAndBytesConfig(
        load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=torch.bfloat16 if device == "cuda" else torch.float32,
    )
    model = AutoModelForCausalLM.from_pretrained(
        model_id, quantization_config=bnb, device_map={"": 0} if device == "cuda" else {"": "cpu"})
    keep_trainable_layout(model)
    return model


def keep_trainable_layout(model) -> None:
    """Stop bitsandbytes repacking 4-bit weights for CPU inference.

    On CPUs with AVX512-BF16, bitsandbytes 0.50's Linear4bit.forward repacks its weight
    into a bf16 inference layout the first time it runs in eval mode (our skill check
    before training) and keeps it; later training steps then go through `gemv_4bit`,
    which has no autograd kernel, so gradients stop flowing through the frozen base
    (torch warns "an autograd kernel was not registered"). Turning the flag off keeps
    the standard NF4 dequantize + fp32 matmul path for both evaluation and training.
    """
    for module in model.modules():
        if hasattr(module, "support_avx512bf16_for_cpu"):
            module.support_avx512bf16_for_cpu = False


def attach_adapters(model, method: str, settings: LabSettings):
    """Wrap in peft LoRA for lora/qlora; for full, unfreeze everything. Returns the model."""
    if method == "full":
        for p in model.parameters():
            p.requires_grad_(True)
        return model
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if method == "qlora":
        # Gradient checkpointing off: activations here are tiny, recomputing them costs time.
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    config = LoraConfig(r=settings.rank, lora_alpha=settings.alpha, target_modules=settings.target_modules,
                        lora_dropout=settings.lora_dropout, bias="none", task_type="CAUSAL_LM")
    return get_peft_model(model, config)


def count_params(model, method: str) -> tuple[int, int]:
    """(trainable, total), by peft's own get_nb_trainable_parameters when there is a peft model."""
    if method != "full":
        return model.get_nb_trainable_parameters()
    total = sum(p.numel() for p in model.parameters())
    return sum(p.numel() for p in model.parameters() if p.requires_grad), total


def batch_order(n: int, steps: int, batch_size: int, seed: int) -> list[list[int]]:
    """Example indices per step: seeded shuffles, epoch after epoch, so every method sees the same."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    flat: list[int] = []
    while len(flat) < steps * batch_size:
        flat += torch.randperm(n, generator=gen).tolist()
    return [flat[i * batch_size:(i + 1) * batch_size] for i in range(steps)]


def converged(losses: list[float], window: int, threshold: float) -> bool:
    """The stop rule: the mean training loss over the last `window` steps (one pass through
    the training set) is below `threshold` nats per answer token. A threshold of 0 never stops."""
    return threshold > 0 and len(losses) >= window and sum(losses[-window:]) / window < threshold


def train(model, tokenizer, examples: list[dict], settings: LabSettings, device: str, *,
          on_progress: Callable[[dict], None], should_stop: Callable[[], bool]) -> dict:
    """AdamW on the trainable parameters until `settings.steps` or the stop rule (`converged`);
    returns loss_curve, tokens, train_seconds, ledger, stopped_at, stop_reason."""
    import torch

    from engine.lab.measure import ledger

    params = [p for p in model.parameters() if p.requires_grad]
    # fused=True: one kernel for the whole update (CPU and CUDA in torch >= 2.4), as the Trainer's
    # default optimizer "adamw_torch_fused" does.
    opt = torch.optim.AdamW(params, lr=settings.learning_rate, weight_decay=0.0, fused=True)
    encoded = encode(tokenizer, examples, settings.seq_len)  # tokenized once, (N, T) tensors
    order = batch_order(len(examples), settings.steps, settings.batch_size, settings.seed)
    window = -(-len(examples) // settings.batch_size)  # steps in one pass through the data (ceil)
    losses, tokens, book, reason = [], 0, {}, "steps"
    model.train()
    start = time.perf_counter()
    for step, idx in enumerate(order):
        if should_stop():
            raise Cancelled(f"stopped at step {step} of {settings.steps}")
        batch = {k: v.to(device) for k, v in batch_of(encoded, idx).items()}  # (B, longest in batch)
        with torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=device == "cuda"):
            loss = model(**batch, use_cache=False).loss  # no KV cache while training
        loss.backward()
        # Clip the gradient norm at MAX_GRAD_NORM (the HF Trainer's default max_grad_norm): it keeps the
        # lab's high learning rate stable on unlucky batches.
        torch.nn.utils.clip_grad_norm_(params, MAX_GRAD_NORM)
        opt.step()
        if step == 0:  # gradients and optimizer state exist now: read them
            book = ledger(model, opt)
        opt.zero_grad(set_to_none=True)
        losses.append(float(loss.item()))
        tokens += int(batch["attention_mask"].sum())
        on_progress({"step": step + 1, "steps": settings.steps, "loss": losses[-1], "phase": "train"})
        if converged(losses, window, settings.stop_loss):
            reason = "converged"
            break
    if device == "cuda":
        torch.cuda.synchronize()
    model.eval()
    return {"loss_curve": losses, "tokens": tokens, "train_seconds": time.perf_counter() - start, "ledger": book,
            "stopped_at": len(losses), "stop_reason": reason}


def dir_bytes(path: Path, pattern: str) -> int:
    return sum(f.stat().st_size for f in path.glob(pattern))


def save_adapter(model, method: str, output_dir: str | Path | None) -> tuple[str | None, int]:
    """Write adapter_config.json + adapter_model.safetensors; returns (dir, bytes of the weights file)."""
    if method == "full":
        return None, 0
    out = Path(output_dir) if output_dir else Path(tempfile.mkdtemp(prefix="lora-lab-", dir=_artifacts()))
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    return str(out), (out / "adapter_model.safetensors").stat().st_size


def _artifacts() -> Path:
    """artifacts/lab, where a CLI run with no --output-dir saves its adapter; its runs older than
    LORA_LAB_RUNS_MAX_AGE_DAYS are deleted first, as the Lab page's are (engine/lab/runs.py)."""
    from engine.lab.runs import CLI_RUN_NAME, max_age_days, prune_runs

    path = ROOT / "artifacts" / "lab"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    prune_runs(path, max_age_s=max_age_days() * 86_400, named=CLI_RUN_NAME)
    return path


def base_model_bytes(model_id: str, model) -> int:
    """Size of the base model's weight files on disk, or of its tensors when it is a hub id."""
    path = Path(model_id)
    if path.is_dir() and any(path.glob("*.safetensors")):
        return dir_bytes(path, "*.safetensors")
    return sum(p.numel() * p.element_size() for p in model.parameters())


def _merge_answers(before: list[dict], after: list[dict]) -> list[dict]:
    return [{"term": b["term"], "question": b["question"], "expected": b["expected"],
             "before": b["answer"], "after": a["answer"]} for b, a in zip(before, after)]


def run_lab(settings: LabSettings | dict, glossary: list[GlossaryEntry | dict], method: Literal["full", "lora", "qlora"], *,
            on_progress: Callable[[dict], None] | None = None, should_stop: Callable[[], bool] | None = None,
            output_dir: str | Path | None = None) -> dict:
    """Fine-tune `settings.model` on `glossary` with `method`; return every measurement (JSON-safe)."""
    from engine.lab.code import lab_code
    from engine.lab.measure import PeakMemory

    if method not in ("full", "lora", "qlora"):
        raise ValueError(f"method must be one of full, lora, qlora, not {method!r}")
    settings, glossary = revive(settings, glossary)  # bounds checked again; Ray's jobs bring JSON
    if not glossary:
        raise ValueError("glossary is empty: the lab needs at least one term")
    progress = on_progress or (lambda _: None)
    stop = should_stop or (lambda: False)
    import torch
    from transformers import AutoTokenizer

    torch.manual_seed(settings.seed)
    device, model_id = pick_device(), resolve_model(settings.model)
    preload(method)
    start = time.perf_counter()
    with PeakMemory(device) as peak:
        progress({"phase": "load", "step": 0, "steps": settings.steps})
        tokenizer = AutoTokenizer.from_pretrained(model_id)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        model = load_model(model_id, method, device)
        if stop():
            raise Cancelled("stopped after loading the model")
        progress({"phase": "eval_before", "step": 0, "steps": settings.steps})
        skill_before, before = skill_score(model, tokenizer, glossary)
        model = attach_adapters(model, method, settings)
        trainable, total = count_params(model, method)
        result = train(model, tokenizer, pairs(glossary, TRAIN_TEMPLATES), settings, device,
                       on_progress=progress, should_stop=stop)
        progress({"phase": "eval_after", "step": result["stopped_at"], "steps": settings.steps})
        skill_after, after = skill_score(model, tokenizer, glossary)
    adapter_dir, adapter_bytes = save_adapter(model, method, output_dir)
    seconds = time.perf_counter() - start
    return {
        "method": method, "device": device, "model": model_id, "steps": settings.steps,
        "stopped_at": result["stopped_at"], "stop_reason": result["stop_reason"], "stop_loss": settings.stop_loss,
        "threads": torch.get_num_threads(),  # torch's CPU threads (engine/jobs/threads.py, LORA_LAB_THREADS)
        "seconds": round(seconds, 3), "train_seconds": round(result["train_seconds"], 3),
        "tokens": result["tokens"], "tokens_per_s": round(result["tokens"] / result["train_seconds"], 1),
        "trainable_params": int(trainable), "total_params": int(total),
        "peak_memory_bytes": int(peak.peak_bytes), "skill_before": skill_before, "skill_after": skill_after,
        "adapter_bytes": adapter_bytes, "base_model_bytes": base_model_bytes(model_id, model),
        "loss_curve": result["loss_curve"], "answers": _merge_answers(before, after),
        "ledger": result["ledger"], "settings": settings.model_dump(),
        "code": lab_code(settings, method, model_id, glossary), "adapter_dir": adapter_dir,
    }
