"""Tests of engine/maths/memory.py (the training-memory model), its presets and its CLI.
Published figures are checked with the tolerance stated at each test. The measurement
harness: tests/maths/test_memory_measure.py; the widget and page: tests/ui/test_memory_page.py."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from pydantic import ValidationError

from engine.__main__ import main as cli_main
from engine.maths import lora as lora_math
from engine.maths import memory
from engine.maths import nf4 as quant
from tests.conftest import ROOT

GB = 1e9  # the papers' GB and MB are decimal


def est(preset: str, **setup) -> memory.MemoryBreakdown:
    return memory.estimate_preset(preset, **setup)


# --- presets: their parameter counts are the published model sizes ---------------------

PUBLISHED_PARAMS = {  # preset -> parameters, from the model cards / papers (rounded as published)
    "llama-7b": 6.7e9, "llama-13b": 13.0e9, "llama-33b": 32.5e9, "llama-65b": 65.2e9,  # LLaMA paper Table 2
    "llama-3-8b": 8.03e9, "llama-3-70b": 70.6e9, "mistral-7b": 7.24e9,
    "qwen2.5-0.5b": 0.49e9, "qwen2.5-7b": 7.61e9, "gpt2-125m": 124.4e6, "gpt3-175b": 175e9,
}


def test_every_preset_loads_and_matches_its_published_size():
    assert sorted(PUBLISHED_PARAMS) == memory.preset_names()
    for name, published in PUBLISHED_PARAMS.items():
        n = lora_math.model_param_count(memory.load_config(name))
        assert n == pytest.approx(published, rel=0.01), name  # 1%: published sizes are rounded


# --- published checks -------------------------------------------------------------------

def test_hf_anatomy_18_bytes_per_param_for_mixed_precision_adamw():
    # HF "model training anatomy": 6 (fp32 + 16-bit weights) + 4 (fp32 grads) + 8 (AdamW) = 18, exact.
    b = est("llama-7b", method="full", precision="mixed", optimizer="adamw")
    assert b.states == 18 * b.n_params
    assert est("llama-7b", method="full", precision="fp32").states == 16 * b.n_params
    # 8-bit AdamW: 2 bytes/param instead of 8 (same doc page).
    assert est("llama-7b", method="full", optimizer="adamw8bit").states == 12 * b.n_params


def test_lora_paper_gpt3_vram_1_2_tb_full_vs_350_gb_lora():
    # LoRA paper §4.2: 1.2 TB -> 350 GB. The paper does not give its accounting; we model pure
    # 16-bit training (weights, gradients and AdamW moments in fp16: 8 bytes/param) with
    # gradient checkpointing at its 2048 context, which gives 1.40 TB: within 20% of 1.2 TB.
    setup = dict(precision="bf16", grad_checkpointing=True, seq_len=2048)
    full = est("gpt3-175b", method="full", **setup)
    lora = est("gpt3-175b", method="lora", rank=4, **setup)
    assert full.total == pytest.approx(1.2e12, rel=0.20)
    assert lora.total == pytest.approx(350 * GB, rel=0.05)  # frozen fp16 weights dominate
    assert 3.0 <= full.total / lora.total <= 4.5  # "up to 2/3" saved, i.e. at least 3x


def test_lora_paper_gpt3_checkpoint_350_gb_vs_35_mb():
    # §4.2: checkpoint 350 GB -> 35 MB at r=4 on W_q and W_v. GPT-3 keeps q and v as separate
    # d x d matrices (our GPT-2-style preset fuses them in c_attn), so count them directly.
    config = memory.load_config("gpt3-175b")
    full_bytes = 2 * lora_math.model_param_count(config)  # fp16
    d, layers = 12288, lora_math.num_layers(config)
    lora_bytes = 2 * 2 * layers * lora_math.lora_param_count(d, d, 4)  # fp16, q and v
    assert full_bytes == pytest.approx(350 * GB, rel=0.01)
    assert lora_bytes == pytest.approx(35e6, rel=0.10)  # 37.7 MB: 8% over the paper's rounded 35 MB


def qlora_65b() -> memory.MemoryBreakdown:
    # QLoRA's Guanaco-65B recipe: r=64 on all linear layers, bf16 adapters, paged 32-bit AdamW,
    # gradient checkpointing, batch 1 of 512 tokens (QLoRA paper §4 and Appendix B).
    return est("llama-65b", method="qlora", rank=64, target_modules="all-linear", adapter_dtype="bf16",
               optimizer="paged_adamw", grad_checkpointing=True, batch_size=1, seq_len=512)


def test_qlora_paper_65b_trains_under_48_gb():
    b = qlora_65b()
    assert b.total < 48 * GB  # "finetune a 65B parameter model on a single 48GB GPU" (abstract)
    assert b.total > 30 * GB  # and not absurdly low: the 4-bit base alone is ~35 GB
    assert b.offloaded_total == 8 * b.n_trainable  # paged 32-bit AdamW state sits off the GPU


def test_qlora_paper_7b_base_about_5_gb():
    # Paper body: the 4-bit 7B base takes 5,048 MB. We count NF4 codes + double-quantized constants
    # for the block linears and fp32 embeddings/lm_head/norms (PEFT's prepare_model_for_kbit_training):
    # 4.39 GB, 13% under. Tolerance 15%; the paper's figure is a measurement with allocator slack.
    b = est("llama-7b", method="qlora")
    assert b.components["weights"] + b.components["quant_constants"] == pytest.approx(5048e6, rel=0.15)


def test_quant_constants_follow_bits_per_param():
    config = memory.load_config("llama-7b")
    n_quant = sum(i * o for i, o in lora_math.linear_shapes(config).values()) * lora_math.num_layers(config)
    for dq, bits in ((True, 4.127), (False, 4.5)):
        b = est("llama-7b", method="qlora", double_quant=dq)
        per_param = 4 + 8 * b.components["quant_constants"] / n_quant
        assert per_param == pytest.approx(quant.bits_per_param(64, dq)) == pytest.approx(bits, abs=1e-3)


# --- the model's parts --------------------------------------------------------------------

def test_activations_reduce_to_korthikanti_34_sbh_for_the_gpt_shape():
    # Korthikanti et al. 2022 §4.1: sbh(34 + 5as/h) bytes per layer in 16-bit. Our adaptation gives
    # exactly 34 sbh with SDPA (no score matrix), and adds 2 a s^2 b elements * 2 bytes with eager.
    config = memory.load_config("gpt2-125m")
    s, b, h, a, layers = 256, 2, 768, 12, 12
    sdpa = memory.activation_bytes(config, memory.TrainingSetup(seq_len=s, batch_size=b, precision="bf16"))
    eager = memory.activation_bytes(config, memory.TrainingSetup(seq_len=s, batch_size=b, precision="bf16",
                                                                 attention="eager"))
    assert sdpa == layers * 34 * s * b * h
    assert eager - sdpa == layers * 2 * (2 * a * s * s * b)


def test_grad_checkpointing_keeps_layer_inputs_plus_one_layer():
    full = memory.TrainingSetup(seq_len=1024, batch_size=4)
    ckpt = full.model_copy(update={"grad_checkpointing": True})
    config = memory.load_config("llama-7b")
    per_layer = memory.activation_bytes(config, full) // 32
    assert memory.activation_bytes(config, ckpt) == 32 * 1024 * 4 * 4096 * 2 + per_layer
    assert memory.activation_bytes(config, ckpt) < memory.activation_bytes(config, full) / 5


def test_activations_scale_linearly_in_batch_and_seq_with_sdpa():
    config = memory.load_config("mistral-7b")
    one = memory.activation_bytes(config, memory.TrainingSetup(batch_size=1, seq_len=512))
    assert memory.activation_bytes(config, memory.TrainingSetup(batch_size=4, seq_len=512)) == 4 * one
    assert memory.activation_bytes(config, memory.TrainingSetup(batch_size=1, seq_len=2048)) == 4 * one


def test_paged_optimizer_moves_state_off_the_gpu():
    on = est("llama-7b", method="lora", optimizer="adamw8bit")
    paged = est("llama-7b", method="lora", optimizer="paged_adamw8bit")
    assert paged.offloaded == {"adapter_optimizer": on.components["adapter_optimizer"]}
    assert on.total - paged.total == on.components["adapter_optimizer"] == 2 * on.n_trainable


def test_lora_counts_come_from_lora_math_and_methods_rank_as_expected():
    config = memory.load_config("llama-7b")
    lora = est("llama-7b", method="lora", rank=8)
    assert lora.n_trainable == lora_math.lora_params_for_config(config, None, 8)
    assert lora.components["adapter_weights"] == 4 * lora.n_trainable  # PEFT's fp32 adapters
    totals = [est("llama-7b", method=m).total for m in ("full", "lora", "qlora")]
    assert totals[0] > totals[1] > totals[2]


def test_fits_and_gpu_table_margins():
    b = est("llama-7b", method="qlora")
    table = b.gpu_table()
    assert [row["gpu_gib"] for row in table] == [8, 16, 24, 40, 48, 80]
    for row in table:
        assert row["fits"] == (row["margin_gib"] >= 0)
        assert row["margin_gib"] * memory.GIB == pytest.approx(row["gpu_gib"] * memory.GIB - b.total)
    assert not est("llama-65b", method="full").fits(80) >= 0


# --- bad input ---------------------------------------------------------------------------

def test_bad_models_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown model 'llama-8b'.*llama-7b"):
        memory.load_config("llama-8b")
    broken = tmp_path / "config.json"
    broken.write_text('{"model_type": "llama",')
    with pytest.raises(ValueError, match="not valid JSON"):
        memory.load_config(str(broken))
    broken.write_text('{"model_type": "bert"}')
    with pytest.raises(ValueError, match="unsupported model_type 'bert'"):
        memory.load_config(str(broken))
    broken.write_text(json.dumps({**memory.load_config("llama-7b"), "hidden_size": 10**12}))
    with pytest.raises(ValueError, match="out of range"):
        memory.load_config(str(broken))


def test_absurd_numbers_name_the_field():
    with pytest.raises(ValidationError, match="batch_size"):
        memory.TrainingSetup(batch_size=0)
    with pytest.raises(ValidationError, match="seq_len"):
        memory.TrainingSetup(seq_len=10**9)


def test_cli_prints_bytes_and_gib(capsys):
    assert cli_main(["memory", "--model", "llama-7b", "--method", "qlora", "--batch", "2"]) == 0
    out = capsys.readouterr().out
    assert "TOTAL (GPU)" in out and "GiB" in out and "quant_constants" in out
    assert cli_main(["memory", "--model", "qwen2.5-0.5b", "--method", "lora", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == sum(data["components"].values())
    assert len(data["gpus"]) == 6


@pytest.mark.parametrize("argv, needle", [
    (["--model", "nope"], "unknown model 'nope'"),
    (["--model", "/no/such/config.json"], "unknown model"),
    (["--batch", "0"], "--batch: Input should be greater than or equal to 1"),
    (["--seq", "999999999"], "--seq: Input should be less than or equal to"),
    (["--rank", "-3"], "--rank"),
    (["--model", "llama-65b", "--measure"], "memory is free; try --layers"),
    (["--model", "gpt2-125m", "--measure", "--layers", "0"], "--layers must be in 1..1000"),
])
def test_cli_bad_input_is_one_line_and_exit_2(capsys, argv, needle):
    assert cli_main(["memory", *argv]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


def test_engine_memory_path_imports_no_torch():
    code = ("import sys, engine.maths.memory as m, engine.maths.memory_measure, engine.content.figures;"
            "m.estimate_preset('llama-7b', method='qlora'); assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
