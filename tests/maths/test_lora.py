"""engine/maths/lora.py against the real libraries: PEFT's trainable-parameter
count, and transformers' own parameter count, on tiny random-init models."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.maths import lora as lm

# Tiny configs of each family (random init on CPU, nothing downloaded).
TINY = {
    "llama_gqa": ("LlamaConfig", dict(hidden_size=64, intermediate_size=96, num_hidden_layers=2,
                                      num_attention_heads=4, num_key_value_heads=2, vocab_size=101)),
    "llama_bias_tied": ("LlamaConfig", dict(hidden_size=32, intermediate_size=48, num_hidden_layers=3,
                                            num_attention_heads=4, num_key_value_heads=4, vocab_size=77,
                                            attention_bias=True, mlp_bias=True, tie_word_embeddings=True)),
    "mistral": ("MistralConfig", dict(hidden_size=64, intermediate_size=80, num_hidden_layers=2,
                                      num_attention_heads=8, num_key_value_heads=2, head_dim=16,
                                      vocab_size=90)),
    "qwen2": ("Qwen2Config", dict(hidden_size=48, intermediate_size=112, num_hidden_layers=2,
                                  num_attention_heads=6, num_key_value_heads=2, vocab_size=120,
                                  tie_word_embeddings=True)),
    "gpt2": ("GPT2Config", dict(n_embd=32, n_layer=2, n_head=4, vocab_size=99, n_positions=64)),
    "gpt2_inner": ("GPT2Config", dict(n_embd=24, n_layer=3, n_head=3, n_inner=40, vocab_size=50,
                                      n_positions=16)),
}

TARGETS = {
    "llama_like": [None, ["q_proj", "v_proj"], ["k_proj"], ["q_proj", "k_proj", "v_proj", "o_proj",
                   "gate_proj", "up_proj", "down_proj"], ["mlp.down_proj", "lm_head"], "all-linear"],
    "gpt2": [None, ["c_attn"], ["c_proj"], ["mlp.c_proj", "c_fc"], ["c_attn", "c_proj", "c_fc"],
             "all-linear"],
}


def _build(name):
    import transformers

    cls_name, kwargs = TINY[name]
    config = getattr(transformers, cls_name)(**kwargs)
    model = transformers.AutoModelForCausalLM.from_config(config)
    return config.to_dict(), model


@pytest.fixture(scope="module", params=list(TINY))
def tiny(request):
    return request.param, *_build(request.param)


def test_model_param_count_matches_transformers(tiny):
    name, config, model = tiny
    assert lm.model_param_count(config) == sum(p.numel() for p in model.parameters()), name


def test_lora_counts_match_peft(tiny):
    from peft import LoraConfig, get_peft_model

    name, config, _ = tiny
    family = "gpt2" if name.startswith("gpt2") else "llama_like"
    for targets in TARGETS[family]:
        for r in (1, 4, 16):
            _, model = _build(name)  # fresh: get_peft_model mutates the model
            kwargs = {} if targets is None else {"target_modules": targets}
            peft_model = get_peft_model(model, LoraConfig(r=r, lora_alpha=2 * r, **kwargs))
            trainable, total = peft_model.get_nb_trainable_parameters()
            ours = lm.lora_params_for_config(config, targets, r)
            assert ours == trainable, (name, targets, r)
            assert lm.model_param_count(config) + ours == total, (name, targets, r)


def test_gqa_shrinks_k_and_v():
    config = dict(model_type="llama", hidden_size=4096, num_attention_heads=32,
                  num_key_value_heads=8, intermediate_size=14336, num_hidden_layers=32,
                  vocab_size=128256)
    shapes = lm.linear_shapes(config)
    assert shapes["self_attn.q_proj"] == (4096, 4096)
    assert shapes["self_attn.k_proj"] == (4096, 1024)  # 8 kv heads * 128
    # Llama-3-8B with r=8 on q and v: 32 * 8 * ((4096+4096) + (4096+1024)) = 3,407,872
    assert lm.lora_params_for_config(config, ["q_proj", "v_proj"], 8) == 3_407_872


def test_lora_paper_gpt3_checkpoint():
    """LoRA §4.2: GPT-3 175B, r=4 on q and v -> a checkpoint of about 35 MB (fp16)."""
    d, layers = 12288, 96
    n = layers * 2 * lm.lora_param_count(d, d, 4)  # 18.9M parameters
    assert n == 18_874_368
    assert 35e6 <= lm.adapter_file_bytes(n, dtype_bytes=2) <= 40e6
    assert lm.full_share(d, d, 4) == pytest.approx(8 / d)


def test_scaling_and_rslora():
    assert lm.lora_scaling(16, 8) == 2.0
    assert lm.lora_scaling(16, 16, rslora=True) == 4.0
    assert lm.lora_scaling(1, 64, rslora=True) == pytest.approx(1 / 8)


@pytest.mark.parametrize("bad", [dict(d_in=0, d_out=3, r=1), dict(d_in=3, d_out=3, r=-2),
                                 dict(d_in=2.5, d_out=3, r=1)])
def test_bad_dims_name_the_field(bad):
    with pytest.raises(ValueError, match=next(k for k, v in bad.items() if v in (0, -2, 2.5))):
        lm.lora_param_count(**bad)


def test_unknown_family_and_target_are_clear_errors():
    with pytest.raises(ValueError, match="unsupported model_type 'bert'"):
        lm.linear_shapes({"model_type": "bert"})
    config = dict(TINY["gpt2"][1], model_type="gpt2")
    with pytest.raises(ValueError, match=r"\['q_proj'\] not found in a gpt2"):
        lm.lora_params_for_config(config, ["q_proj"], 8)


def test_lowrank_errors_against_explicit_svd():
    rng = np.random.default_rng(0)
    w = rng.standard_normal((40, 30)) @ np.diag(np.linspace(3, 0.1, 30)) @ rng.standard_normal((30, 30))
    errs = lm.lowrank_errors(w, [0, 1, 5, 29, 30, 50])
    u, s, vt = np.linalg.svd(w, full_matrices=False)
    for k in (1, 5, 29):
        wk = (u[:, :k] * s[:k]) @ vt[:k]
        assert errs[k] == pytest.approx(np.linalg.norm(w - wk) / np.linalg.norm(w), rel=1e-6)
    assert errs[0] == pytest.approx(1.0)
    assert errs[30] == pytest.approx(0.0, abs=1e-7) and errs[50] == errs[30]
    assert all(a >= b for a, b in zip(list(errs.values()), list(errs.values())[1:]))


def test_lowrank_exact_for_rank_k_matrix():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((20, 3)) @ rng.standard_normal((3, 25))  # rank 3
    errs = lm.lowrank_errors(w, [2, 3])
    assert errs[2] > 0.01 and math.isclose(errs[3], 0.0, abs_tol=1e-6)


def test_rank_summary():
    s = lm.rank_summary(4096, 4096, 8)
    assert s["lora_params"] == 65_536 and s["full_params"] == 4096**2
    assert s["share"] == pytest.approx(65_536 / 4096**2)
    assert s["bytes_fp32"] == 262_144 and s["bytes_bf16"] == 131_072


@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
def test_load_weight_matrix_reads_safetensors_without_torch(tmp_path, dtype):
    import torch
    from safetensors.torch import save_file

    g = torch.Generator().manual_seed(0)
    tensors = {
        "model.embed_tokens.weight": torch.randn(50, 8, generator=g),  # largest, but an embedding
        "model.layers.0.mlp.up_proj.weight": torch.randn(12, 8, generator=g),
        "model.layers.0.self_attn.q_proj.weight": torch.randn(8, 8, generator=g),
        "model.norm.weight": torch.randn(8, generator=g),
    }
    tensors = {k: v.to(getattr(torch, dtype)) for k, v in tensors.items()}
    path = tmp_path / "model.safetensors"
    save_file(tensors, str(path))
    name, w = lm.load_weight_matrix(path)
    assert name == "model.layers.0.self_attn.q_proj.weight" and w.dtype == np.float32
    np.testing.assert_array_equal(w, tensors[name].float().numpy())
    name, w = lm.load_weight_matrix(path, prefer="no_such")
    assert name == "model.layers.0.mlp.up_proj.weight" and w.shape == (12, 8)
