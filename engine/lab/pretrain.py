"""Pretrain the shipped base model `models/lora-lab-tiny` from scratch, on the CPU.

Steps:
1. build the corpus (engine.lab.corpus: the project's own generated English);
2. train a byte-level BPE tokenizer on it with the `tokenizers` library
   (Sennrich et al. 2016; GPT-2's byte-level variant, Radford et al. 2019 sec. 2.2);
3. train a small Llama-architecture causal LM (Touvron et al. 2023, arXiv:2302.13971,
   sec. 2.2: RMSNorm, SwiGLU, RoPE) with AdamW and a cosine schedule;
4. save config.json, model.safetensors and tokenizer files with save_pretrained, so
   `AutoModelForCausalLM.from_pretrained(path)` loads it like any hub model.

Everything is seeded (corpus, tokenizer input order, init, batches) and torch runs
with deterministic algorithms, so the same command gives the same model on the
same machine. Default budget: about 15 minutes on 2 shared CPU cores.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

SPECIALS = ["<pad>", "<s>", "</s>"]  # ids 0, 1, 2


@dataclass
class PretrainConfig:
    out_dir: str = "models/lora-lab-tiny"
    n_docs: int = 120_000          # corpus documents (~27 M characters)
    vocab_size: int = 2048
    hidden_size: int = 256
    intermediate_size: int = 512
    layers: int = 4
    heads: int = 4
    seq_len: int = 128             # tokens per training row
    batch_size: int = 16           # rows per step
    steps: int = 600
    lr: float = 3e-3
    warmup: int = 30
    seed: int = 0
    threads: int = 2


def train_tokenizer(texts: list[str], vocab_size: int):
    """Byte-level BPE with <pad>/<s>/</s>, wrapped as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                   pad_token="<pad>", model_max_length=512)


def build_model(cfg: PretrainConfig, tokenizer):
    """A Llama model with tied input/output embeddings (saves vocab*hidden params)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=len(tokenizer), hidden_size=cfg.hidden_size, intermediate_size=cfg.intermediate_size,
        num_hidden_layers=cfg.layers, num_attention_heads=cfg.heads, num_key_value_heads=cfg.heads,
        max_position_embeddings=512, tie_word_embeddings=True, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
    )
    return LlamaForCausalLM(config)


def token_stream(texts: list[str], tokenizer) -> "torch.Tensor":
    """All documents as one 1-D LongTensor: <s> doc </s> <s> doc </s> ..."""
    import torch

    ids: list[int] = []
    for enc in tokenizer(texts, add_special_tokens=False)["input_ids"]:
        ids += [tokenizer.bos_token_id, *enc, tokenizer.eos_token_id]
    return torch.tensor(ids, dtype=torch.long)


def lr_at(step: int, cfg: PretrainConfig) -> float:
    """Linear warm-up, then cosine decay to 10% (as in Touvron et al. 2023 sec. 2.2)."""
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def pretrain(cfg: PretrainConfig, log=lambda msg: print(msg, flush=True)) -> Path:
    """Run steps 1-4 and return the output directory (torch's global settings are restored after)."""
    import torch

    was_deterministic, threads = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
    try:
        return _pretrain(cfg, log)
    finally:
        torch.use_deterministic_algorithms(was_deterministic)
        torch.set_num_threads(threads)


def _pretrain(cfg: PretrainConfig, log) -> Path:
    import torch

    from engine import ROOT
    from engine.lab.corpus import build_corpus

    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    torch.use_deterministic_algorithms(True)
    out = Path(cfg.out_dir) if Path(cfg.out_dir).is_absolute() else ROOT / cfg.out_dir
    texts = build_corpus(cfg.n_docs, seed=cfg.seed)
    tokenizer = train_tokenizer(texts, cfg.vocab_size)
    data = token_stream(texts, tokenizer)  # (N,) token ids
    log(f"corpus: {len(texts)} docs, {data.numel()} tokens, vocab {len(tokenizer)}")
    model = build_model(cfg, tokenizer)
    log(f"model: {sum(p.numel() for p in model.parameters())} parameters")
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, betas=(0.9, 0.95), weight_decay=0.1)
    gen = torch.Generator().manual_seed(cfg.seed)
    model.train()
    start = time.perf_counter()
    for step in range(cfg.steps):
        starts = torch.randint(0, data.numel() - cfg.seq_len - 1, (cfg.batch_size,), generator=gen)
        batch = torch.stack([data[s: s + cfg.seq_len] for s in starts.tolist()])  # (B, T)
        for group in opt.param_groups:
            group["lr"] = lr_at(step, cfg)
        loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        if step % 25 == 0 or step == cfg.steps - 1:
            log(f"step {step}/{cfg.steps} loss {loss.item():.3f} {time.perf_counter() - start:.0f}s")
    model.eval()
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    (out / "pretrain_config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
    log(f"saved to {out} in {time.perf_counter() - start:.0f}s; sample: {sample(out, 'Once upon a time')!r}")
    return out


def sample(path: str | Path, prompt: str, max_new_tokens: int = 60) -> str:
    """Greedy continuation of `prompt` by the saved model at `path`."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    ids = tok(prompt, return_tensors="pt").input_ids
    ids = torch.cat([torch.tensor([[tok.bos_token_id]]), ids], dim=1)
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=max_new_tokens, do_sample=False, pad_token_id=tok.pad_token_id)
    return tok.decode(out[0, 1:], skip_special_tokens=True)

