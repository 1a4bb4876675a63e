"""The worked numbers in the shipped lessons, recomputed from first principles or from the
engine (engine/maths/lora.py, engine/maths/nf4.py, engine/maths/memory.py,
engine/lab/settings.py), so an edit that breaks an example, or an engine change that
contradicts the text, fails a test. The course's structure and sources:
tests/content/test_curriculum.py."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

from engine.content import schema
from engine.lab.settings import LabSettings
from tests.content.conftest import section_titled, text_of


def grouped(n: int) -> str:
    return f"{n:,}"


def test_lesson2_parameter_counts(lessons):
    from engine.maths.lora import full_share, lora_param_count

    text = text_of(lessons["lora-low-rank-update"])
    lora, full = lora_param_count(4096, 4096, 8), 4096 * 4096
    assert (lora, full) == (8 * (4096 + 4096), 16_777_216)
    for stated in (grouped(lora), grouped(full), f"{full_share(4096, 4096, 8):.2%}"):
        assert stated in text
    # GPT-3 175B (d_model 12288, 96 layers), r = 4 on W_q and W_v: "about 18 million".
    gpt3_budget = 96 * 2 * lora_param_count(12288, 12288, 4)
    assert 18e6 <= gpt3_budget < 19e6 and "about 18 million" in text


def test_lesson3_int8_worked_example_matches_numpy(lessons):
    lesson = lessons["number-formats-quantization"]
    body = section_titled(lesson, "Quantization: snap to a grid, remember the scale").body.replace("\u2212", "-")
    rows = [line.split("|")[1:-1] for line in body.splitlines() if re.match(r"^\|\s*-?\d", line)]
    weights = np.array([float(r[0]) for r in rows], dtype=np.float32)
    c = np.float32(127) / np.abs(weights).max()
    stored = np.round(weights * c)  # round half to even, as torch.round and numpy do
    restored = stored / c
    assert len(rows) == 4
    for row, q, w, back in zip(rows, stored, weights, restored):
        assert int(row[2]) == q
        assert float(row[3]) == pytest.approx(back, abs=5e-5)
        assert float(row[4]) == pytest.approx(abs(w - back), abs=5e-5)
    assert f"c = 127 / {abs(weights).max():g} ≈ {c:.2f}" in body


def test_lesson3_nf4_levels_match_bitsandbytes_table(lessons):
    from engine.maths.nf4 import nf4_levels

    expected = [round(float(v), 4) for v in nf4_levels()]
    lesson = lessons["number-formats-quantization"]
    body = section_titled(lesson, "NormalFloat 4: sixteen levels where the weights are").body.replace("\u2212", "-")
    listed = [float(v) for v in re.findall(r"-?\d\.\d+", " ".join(re.findall(r"`([^`]*)`", body)))]
    assert listed == expected
    code = next(s for s in lesson.sections if isinstance(s, schema.CodeCompareSection)).right.code
    table = ast.literal_eval(re.search(r"np\.array\((\[.*?\])\)", code, re.DOTALL).group(1))
    assert table == expected
    assert sum(v < 0 for v in expected) == 7 and expected.count(0.0) == 1 and sum(v > 0 for v in expected) == 8


def test_lesson3_float_format_claims_hold_in_torch(lessons):
    torch = pytest.importorskip("torch")
    text = text_of(lessons["number-formats-quantization"])
    assert torch.finfo(torch.float16).max == 65504 and grouped(65504) in text
    assert torch.isinf(torch.tensor(70000.0).half())
    assert torch.tensor(70000.0).bfloat16().item() == 70144 and "`70144`" in text
    assert [torch.finfo(d).bits // 8 for d in (torch.float32, torch.float16, torch.bfloat16)] == [4, 2, 2]
    assert "7,000,000,000 × 2 = **14 GB**" in text


def test_lesson4_double_quantization_arithmetic(lessons):
    from engine.maths.nf4 import bits_per_param

    text = text_of(lessons["qlora"])
    constants = 8 / 64 + 32 / (64 * 256)
    assert f"{constants:.3f}" == "0.127" and "0.127" in text
    assert f"{0.5 - constants:.3f}" == "0.373" and "0.373" in text
    assert bits_per_param(64, double_quant=True) == pytest.approx(4 + constants)
    assert bits_per_param(64, double_quant=False) == pytest.approx(4.5)
    assert round(65e9 * (0.5 - constants) / 8 / 1e9) == 3 and "about **3 GB for a 65B model**" in text
    assert f"**{65e9 * bits_per_param(64, double_quant=True) / 8 / 1e9:.1f} GB**" == "**33.5 GB**"
    assert "**33.5 GB**" in text and f"**{65e9 * 2 / 1e9:.0f} GB**" in text


def test_the_memory_figures_agree_with_the_text():
    """The calculators lessons 4 and 5 show must not contradict what the lessons say."""
    memory = pytest.importorskip("engine.maths.memory", reason="engine/maths/memory.py (the calculator) is not there")
    setup = {"batch_size": 1, "seq_len": 512}
    assert memory.estimate_preset("llama-65b", method="qlora", **setup).fits(48) >= 0  # one 48 GB GPU
    assert memory.estimate_preset("llama-65b", method="full", **setup).total > 780e9  # "more than 780 GB"
    full_7b = memory.estimate_preset("llama-7b", method="full", **setup)
    assert full_7b.states == pytest.approx(18 * full_7b.n_params, rel=0.01)  # 18 bytes/param


def test_lesson5_memory_budget(lessons):
    from engine.maths.nf4 import bits_per_param

    text = text_of(lessons["where-memory-goes"])
    per_param = (4 + 2) + 4 + 2 * 4  # weights (fp32 + 16-bit), fp32 grads, two fp32 AdamW states
    assert per_param == 18 and "**18**" in text
    assert f"= **{7e9 * per_param / 1e9:.0f} GB**" in text
    adapters_gb = 7e9 * 0.002 * 16 / 1e9  # 0.2% of the model, fp32 + grads + AdamW
    assert f"{adapters_gb:.2f} GB" in text
    assert f"**≈ {14 + adapters_gb:.1f} GB**" in text
    assert f"**≈ {7e9 * bits_per_param(64, double_quant=True) / 8 / 1e9 + adapters_gb:.1f} GB**" in text


def test_lesson6_text_matches_the_lab_settings(lessons):
    from engine.maths.lora import full_share

    text = text_of(lessons["hands-on-new-words"])
    s = LabSettings()
    for stated in (f"rank **{s.rank}**", f"alpha **{s.alpha:g}**", f"**{s.learning_rate:g}**",
                   f"**{s.steps}** steps", f"batches of **{s.batch_size}**", f"**{s.seq_len}** tokens",
                   f"below **{s.stop_loss:g}**", f"dropout {s.lora_dropout:g}"):
        assert stated in text
    assert all(f"`{m}`" in text for m in s.target_modules)
    assert f"rank {_bound('rank', 'ge')} to {_bound('rank', 'le')}" in text
    assert f"at most {_bound('steps', 'le')} steps" in text
    assert f"{full_share(256, 256, 8):.2%}" in text and f"{full_share(4096, 4096, 8):.2%}" in text


def _bound(field: str, kind: str) -> int:
    """A bound ('ge' or 'le') of a LabSettings field, as pydantic stores it."""
    return next(getattr(m, kind) for m in LabSettings.model_fields[field].metadata if hasattr(m, kind))
