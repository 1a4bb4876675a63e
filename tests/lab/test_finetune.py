"""engine/lab/finetune.py: real runs on the shipped model (CPU, bitsandbytes 4-bit), a few steps each."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from engine import ROOT
from engine.lab.finetune import (DEFAULT_GLOSSARY, Cancelled, attach_adapters, converged, load_model, resolve_model,
                                 run_lab, train)
from engine.lab.settings import LabSettings
from engine.lab.skill import TRAIN_TEMPLATES, encode, pairs

SHIPPED = ROOT / "models" / "lora-lab-tiny"
FEW = LabSettings(steps=24, batch_size=8, seed=0, stop_loss=0)  # no early stop: every step runs


@pytest.fixture(scope="module")
def qlora_run(tmp_path_factory):
    import warnings

    events: list[dict] = []
    out = tmp_path_factory.mktemp("adapter")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_lab(FEW, DEFAULT_GLOSSARY, "qlora", on_progress=events.append, output_dir=out)
    result["_warnings"] = [str(w.message) for w in caught]
    return result, events


def test_qlora_backward_goes_through_the_4bit_base(qlora_run):
    # bitsandbytes' CPU inference repacking (see keep_trainable_layout) would route training
    # through gemv_4bit, which has no autograd kernel: torch warns, and gradients stop there.
    assert not [w for w in qlora_run[0]["_warnings"] if "autograd kernel was not registered" in w]


def test_the_shipped_model_loads_like_any_hub_model():
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(SHIPPED)
    tokenizer = AutoTokenizer.from_pretrained(SHIPPED)
    assert type(model).__name__ == "LlamaForCausalLM"
    assert 2_000_000 <= sum(p.numel() for p in model.parameters()) <= 20_000_000
    assert sum(f.stat().st_size for f in SHIPPED.iterdir()) <= 50 * 1024 * 1024
    text = "Once upon a time, there was a little dog."
    assert tokenizer.decode(tokenizer(text).input_ids, skip_special_tokens=True) == text


def test_qlora_run_learns_and_reports_every_figure(qlora_run):
    result, _ = qlora_run
    losses = result["loss_curve"]
    assert len(losses) == FEW.steps
    assert sum(losses[-6:]) / 6 < 0.7 * sum(losses[:6]) / 6  # the loss goes down
    assert (result["method"], result["device"], result["steps"]) == ("qlora", "cpu", FEW.steps)
    assert (result["stopped_at"], result["stop_reason"]) == (FEW.steps, "steps")
    assert result["skill_before"] <= 0.1  # it does not know the invented terms yet
    assert result["tokens_per_s"] > 0 and result["seconds"] > 0 and result["peak_memory_bytes"] > 0
    assert 0 < result["adapter_bytes"] < result["base_model_bytes"]
    assert [a["term"] for a in result["answers"]] == [g.term for g in DEFAULT_GLOSSARY]
    json.dumps({k: v for k, v in result.items() if k != "_warnings"})  # JSON-serialisable as it is
    compile(result["code"], "lab.py", "exec")
    assert "prepare_model_for_kbit_training" in result["code"] and "nf4" in result["code"]


def test_trainable_count_matches_peft_and_the_lora_formula(qlora_run):
    result, _ = qlora_run
    from transformers import AutoConfig

    cfg = AutoConfig.from_pretrained(SHIPPED)
    d, kv = cfg.hidden_size, cfg.num_key_value_heads * (cfg.hidden_size // cfg.num_attention_heads)
    shapes = {"q_proj": (d, d), "k_proj": (d, kv), "v_proj": (d, kv), "o_proj": (d, d),  # (d_in, d_out)
              "gate_proj": (d, cfg.intermediate_size), "up_proj": (d, cfg.intermediate_size),
              "down_proj": (cfg.intermediate_size, d)}
    # LoRA adds r*(d_in + d_out) per adapted Linear (Hu et al. 2021, sec. 4.1)
    per_layer = sum(FEW.rank * sum(shapes[name]) for name in FEW.target_modules)
    assert result["trainable_params"] == per_layer * cfg.num_hidden_layers


def test_qlora_ledger_reads_4bit_weights(qlora_run):
    book = qlora_run[0]["ledger"]
    assert book["quantized_params"] > 0
    assert book["quantized_bytes"] / book["quantized_params"] <= 0.6
    trainable = qlora_run[0]["trainable_params"]
    assert book["gradient_bytes"] == trainable * 4  # fp32 adapters on the CPU
    assert 2 * trainable * 4 <= book["optimizer_bytes"] <= 2 * trainable * 4 + 4096  # Adam m, v (+ steps)


def test_progress_reports_each_phase_in_order(qlora_run):
    phases = [e["phase"] for e in qlora_run[1]]
    assert phases[:2] == ["load", "eval_before"] and phases[-1] == "eval_after"
    assert [e["step"] for e in qlora_run[1] if e["phase"] == "train"] == list(range(1, FEW.steps + 1))


def test_saved_adapter_reloads_on_the_4bit_base_with_the_same_logits(tmp_path):
    import torch
    from peft import PeftModel
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(SHIPPED)
    model = attach_adapters(load_model(str(SHIPPED), "qlora", "cpu"), "qlora", FEW)
    train(model, tokenizer, pairs(DEFAULT_GLOSSARY, TRAIN_TEMPLATES), FEW.model_copy(update={"steps": 3}), "cpu",
          on_progress=lambda _: None, should_stop=lambda: False)
    batch = encode(tokenizer, pairs(DEFAULT_GLOSSARY[:3], TRAIN_TEMPLATES[:1]), 48)
    with torch.no_grad():
        trained = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    model.save_pretrained(tmp_path)
    assert {"adapter_config.json", "adapter_model.safetensors"} <= {p.name for p in tmp_path.iterdir()}
    reloaded = PeftModel.from_pretrained(load_model(str(SHIPPED), "qlora", "cpu"), tmp_path).eval()
    with torch.no_grad():
        again = reloaded(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    assert torch.allclose(trained, again, atol=1e-5)
    base = load_model(str(SHIPPED), "qlora", "cpu")
    with torch.no_grad():
        untrained = base(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    assert not torch.allclose(trained, untrained, atol=1e-3)  # the adapter is what changed them


def test_the_stop_rule_needs_a_whole_pass_below_the_threshold():
    assert not converged([0.01, 0.01], window=3, threshold=0.1)  # not a whole pass through the data yet
    assert converged([2.0, 0.05, 0.05, 0.05], window=3, threshold=0.1)
    assert not converged([2.0, 0.05, 0.05, 0.25], window=3, threshold=0.1)  # mean 0.117
    assert not converged([0.0] * 10, window=3, threshold=0.0)  # 0 turns the rule off


def test_a_converged_run_stops_early_and_says_where():
    # A threshold no loss stays above: the rule fires after exactly one pass through the data.
    events: list[dict] = []
    result = run_lab(FEW.model_copy(update={"stop_loss": 10.0}), DEFAULT_GLOSSARY[:4], "lora", on_progress=events.append)
    window = -(-4 * len(TRAIN_TEMPLATES) // FEW.batch_size)  # 16 examples, batches of 8: 2 steps
    assert (result["stopped_at"], result["stop_reason"], result["steps"]) == (window, "converged", FEW.steps)
    assert len(result["loss_curve"]) == window
    assert events[-1] == {"phase": "eval_after", "step": window, "steps": FEW.steps}
    assert "< 10.0" in result["code"] and "break" in result["code"]  # the take-home script has the same rule


def test_should_stop_cancels_the_run():
    seen: list[int] = []
    with pytest.raises(Cancelled):
        run_lab(FEW, DEFAULT_GLOSSARY[:2], "lora", on_progress=lambda e: seen.append(e.get("step", 0)),
                should_stop=lambda: len(seen) >= 4)
    assert max(seen) < FEW.steps


@pytest.mark.parametrize("field, value", [("rank", 65), ("rank", 0), ("steps", 501), ("learning_rate", 0.0),
                                          ("batch_size", 0), ("seq_len", 4096)])
def test_out_of_bound_settings_are_refused_naming_the_field(field, value):
    with pytest.raises(ValidationError) as caught:
        LabSettings(**{field: value})
    assert caught.value.errors()[0]["loc"] == (field,)
    sneaky = LabSettings.model_construct(**{**FEW.model_dump(), field: value})  # skips validation
    with pytest.raises(ValidationError, match=field):
        run_lab(sneaky, DEFAULT_GLOSSARY, "lora")


def test_unknown_method_and_missing_model_are_clear_errors():
    with pytest.raises(ValueError, match="method must be one of"):
        run_lab(FEW, DEFAULT_GLOSSARY, "dora")
    with pytest.raises(FileNotFoundError, match="model folder not found: models/nope"):
        run_lab(FEW.model_copy(update={"model": "models/nope"}), DEFAULT_GLOSSARY, "lora")


def test_model_resolution_env_var_relative_paths_and_hub_ids(monkeypatch, tmp_path):
    monkeypatch.delenv("LORA_LAB_MODEL", raising=False)
    monkeypatch.setattr("engine.lab.models.hub_reachable", lambda timeout=0: True)  # not cached: tried online
    assert resolve_model("models/lora-lab-tiny") == str(SHIPPED)
    assert resolve_model("HuggingFaceTB/SmolLM2-135M") == "HuggingFaceTB/SmolLM2-135M"
    monkeypatch.setenv("LORA_LAB_MODEL", str(tmp_path))
    assert resolve_model(LabSettings().model) == str(tmp_path)  # replaces the default
    assert resolve_model("gpt2") == "gpt2"  # an explicit choice wins


def test_cli_prints_one_line_errors_for_bad_settings(capsys):
    from engine.__main__ import main

    assert main(["lab", "--rank", "100", "--steps", "0"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "--rank: Input should be less than or equal to 64 (got 100)" in err and "--steps" in err


@pytest.mark.slow
def test_cli_json_has_the_documented_keys(capsys, tmp_path):
    from engine.__main__ import main

    assert main(["lab", "--method", "lora", "--steps", "2", "--json", "--output-dir", str(tmp_path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["method", "device", "steps", "seconds", "tokens_per_s", "trainable_params",
                          "total_params", "peak_memory_bytes", "skill_before", "skill_after", "adapter_bytes",
                          "stopped_at", "stop_reason", "threads"]
    assert data["threads"] >= 1  # torch's CPU threads, as engine/jobs/threads.py or LORA_LAB_THREADS set them
    assert data["steps"] == 2 and data["adapter_bytes"] == (tmp_path / "adapter_model.safetensors").stat().st_size


@pytest.mark.gpu
def test_gpu_path_uses_cuda_and_bf16_compute(tmp_path):
    import torch

    result = run_lab(FEW.model_copy(update={"steps": 3}), DEFAULT_GLOSSARY, "qlora", output_dir=tmp_path)
    assert result["device"] == "cuda" and result["peak_memory_bytes"] > 0
    model = load_model(str(SHIPPED), "qlora", "cuda")
    layer = model.model.layers[0].self_attn.q_proj
    assert layer.weight.device.type == "cuda" and layer.compute_dtype == torch.bfloat16
    assert sum(result["loss_curve"][-2:]) / 2 < result["loss_curve"][0] + 1e-3


def test_a_job_stored_as_json_is_revived_and_checked():
    """Ray hands run_lab its settings and glossary as stored (JSON): they come back as objects, checked."""
    from engine.lab.settings import GlossaryEntry, LabSettings, revive

    settings, glossary = revive({"rank": 8}, [{"term": "Zorblax", "definition": "a ticket tracker"}])
    assert settings == LabSettings(rank=8) and glossary == [GlossaryEntry(term="Zorblax", definition="a ticket tracker")]
    assert revive(settings, glossary) == (settings, glossary)
    with pytest.raises(ValueError, match="rank"):
        revive({"rank": 100}, [])
