"""engine/lab/memory_scale.py and `python -m engine lab --memory-scale`: real training steps of
full, LoRA and QLoRA on a small GPT-2 shape (random weights), measured beside the prediction.

The figures on the GPT-2 125M shape (and the 60 s goal) come from benchmarks/lab.py, not from here.
"""

from __future__ import annotations

import json

import pytest

from engine.__main__ import main as cli_main
from engine.lab import memory_scale
from engine.lab.finetune import Cancelled
from engine.maths import memory

# GPT-2's family at 384 wide, 4 layers, an 8k vocabulary: about 10 M parameters, so full
# fine-tuning's states (16 bytes/param in fp32 with AdamW) are ~150 MiB, LoRA's ~40 MiB and
# QLoRA's ~15 MiB: gaps far above the few MiB of RSS noise, in a few seconds per method.
SMALL = {**memory.load_config("gpt2-125m"), "n_embd": 384, "n_head": 6, "n_layer": 4, "vocab_size": 8192,
         "n_positions": 128}


@pytest.fixture
def small_config(tmp_path):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(SMALL), encoding="utf-8")
    return path


@pytest.mark.slow
def test_cli_measures_all_three_methods_ordered_beside_the_prediction(small_config, capsys):
    assert cli_main(["lab", "--memory-scale", "--preset", str(small_config), "--seq-len", "64", "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["kind"] == "memory_scale" and result["device"] in ("cpu", "cuda")
    assert [r["method"] for r in result["rows"]] == ["full", "lora", "qlora"]
    peaks = [r["measured_peak"] for r in result["rows"]]
    assert peaks[0] > peaks[1] > peaks[2] > 0 and result["ordered"] is True
    for row in result["rows"]:
        assert row["seq_len"] == 64 and row["layers"] == 4
        assert row["ratio_peak"] == pytest.approx(row["measured_peak"] / row["predicted_peak"])
        # the ledger: the prediction's components add up to its peak
        assert sum(row["predicted_components"].values()) == row["predicted_peak"]
        # a small shape's fixed costs weigh more, so only a loose bound here (benchmarks/lab.py has the 15%)
        assert 0.5 < row["ratio_peak"] < 2.0, row
    components = result["rows"][2]["predicted_components"]
    assert components["quant_constants"] > 0 and "optimizer" in result["rows"][0]["predicted_components"]


def test_a_stop_before_the_first_method_cancels_without_starting_anything():
    events = []
    with pytest.raises(Cancelled, match="before measuring full"):
        memory_scale.run_memory_scale(config=SMALL, on_progress=events.append, should_stop=lambda: True)
    assert events == []


def test_a_stop_while_measuring_kills_the_subprocess_and_cancels():
    calls = []

    def stop() -> bool:  # false before the first method, true once its subprocess is polled
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Cancelled, match="stopped while measuring full"):
        memory_scale.run_memory_scale(config=SMALL, methods=["full"], should_stop=stop)


def _row(method: str, measured: int, predicted: int) -> dict:
    return {"method": method, "measured_peak": measured, "predicted_peak": predicted,
            "ratio_peak": measured / predicted, "seconds": 1.0}


def test_summary_checks_the_order_and_the_tolerance():
    good = memory_scale.summarise([_row("full", 300, 290), _row("lora", 200, 190), _row("qlora", 100, 95)],
                                  label="x", device="cpu", rank=16, seconds=1.0)
    assert good["ordered"] and good["within_tolerance"]
    swapped = memory_scale.summarise([_row("full", 300, 290), _row("lora", 90, 190), _row("qlora", 100, 95)],
                                     label="x", device="cpu", rank=16, seconds=1.0)
    assert not swapped["ordered"] and not swapped["within_tolerance"]
    assert "full" in memory_scale.format_result(good) and "ordered full > LoRA > QLoRA: yes" in memory_scale.format_result(good)


def test_bad_methods_and_configs_are_clear_errors():
    with pytest.raises(ValueError, match="methods: choose one or more of full, lora, qlora"):
        memory_scale.run_memory_scale(config=SMALL, methods=["dora"])
    with pytest.raises(ValueError, match="unknown model 'gpt-9'"):
        memory_scale.run_memory_scale("gpt-9")


@pytest.mark.parametrize("argv, needle", [
    (["--memory-scale", "--preset", "gpt-9"], "unknown model 'gpt-9'"),
    (["--memory-scale", "--layers", "0"], "--layers must be in 1..1000"),
    (["--memory-scale", "--seq-len", "0"], "--seq-len: "),
    (["--memory-scale", "--preset", "llama-65b"], "memory is free; try --layers"),
    (["--preset", "gpt2-125m"], "--preset and --layers go with --memory-scale"),
])
def test_cli_bad_input_is_one_line_and_exit_2(capsys, argv, needle):
    assert cli_main(["lab", *argv, "--json"]) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1
