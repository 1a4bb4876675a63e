"""engine/lab/pretrain.py: a tiny, seeded pretraining run gives a standard, reloadable HF model."""

from __future__ import annotations

import json

import torch

from engine.lab.pretrain import PretrainConfig, lr_at, pretrain


def tiny(out) -> PretrainConfig:
    return PretrainConfig(out_dir=str(out), n_docs=400, vocab_size=400, hidden_size=32, intermediate_size=64,
                          layers=1, heads=2, seq_len=32, batch_size=4, steps=4, warmup=2, threads=1)


def test_tiny_pretrain_is_reproducible_and_loads_with_auto_classes(tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    logs: list[str] = []
    out = pretrain(tiny(tmp_path / "a"), log=logs.append)
    assert {"config.json", "model.safetensors", "tokenizer.json", "pretrain_config.json"} <= {
        p.name for p in out.iterdir()}
    model = AutoModelForCausalLM.from_pretrained(out)
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert model.config.model_type == "llama" and model.config.tie_word_embeddings
    assert (tokenizer.pad_token_id, tokenizer.bos_token_id, tokenizer.eos_token_id) == (0, 1, 2)
    assert json.loads((out / "pretrain_config.json").read_text())["steps"] == 4
    again = AutoModelForCausalLM.from_pretrained(pretrain(tiny(tmp_path / "b"), log=logs.append))
    for (name, p), q in zip(model.state_dict().items(), again.state_dict().values()):
        assert torch.equal(p, q), name  # same seed, same weights


def test_learning_rate_warms_up_then_decays_to_a_tenth():
    cfg = PretrainConfig(lr=1.0, warmup=10, steps=110)
    assert lr_at(0, cfg) == 0.1 and lr_at(9, cfg) == 1.0
    assert abs(lr_at(10, cfg) - 1.0) < 1e-9 and abs(lr_at(110, cfg) - 0.1) < 1e-9
    assert lr_at(50, cfg) > lr_at(80, cfg)
