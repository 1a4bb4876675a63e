"""AppTest of the three maths widgets (rank explorer, low-rank approximation, NF4
quantizer): each renders from its figure params, reacts to its controls, shows
numbers that agree with engine/, and imports no torch."""

from __future__ import annotations

import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from engine.maths import lora as lora_math
from tests.conftest import ROOT


def _script(name: str, params: dict) -> None:
    import sys

    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT))
    import importlib

    from engine.content.figures import FIGURES

    importlib.import_module(f"ui.widgets.{name}").render(FIGURES[name](**params))


def _run(name: str, **params) -> AppTest:
    at = AppTest.from_function(_script, args=(name, params), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label))


def test_rank_explorer_defaults_and_slider():
    at = _run("rank_explorer")  # d_in = d_out = 4096, r = 8
    assert _metric(at, "LoRA parameters") == "65,536"  # 8 * (4096 + 4096)
    assert _metric(at, "share") == "0.391%"  # 65,536 / 4096²
    assert _metric(at, "adapter size") == "0.26 MB"  # 65,536 * 4 bytes
    assert at.select_slider[0].options == [str(2**i) for i in range(11)]  # 1, 2, 4, ... 1024: small ranks pickable
    at.select_slider[0].set_value(64).run()
    assert _metric(at, "LoRA parameters") == f"{lora_math.lora_param_count(4096, 4096, 64):,}"
    at.number_input[0].set_value(1024).run()  # d_in
    assert _metric(at, "LoRA parameters") == f"{64 * (1024 + 4096):,}"
    at.number_input[0].set_value(512).run()  # fewer ranks fit: a new slider, at the learner's pick
    assert at.select_slider[0].value == 64 and _metric(at, "LoRA parameters") == f"{64 * (512 + 4096):,}"
    at.number_input[0].set_value(32).run()  # the pick no longer fits: the largest rank that does
    assert at.select_slider[0].value == 32
    at.number_input[0].set_value(4096).run()  # room again: back to the pick, not the default
    assert at.select_slider[0].value == 64
    assert len(at.get("plotly_chart")) == 1


def test_rank_explorer_author_params_and_tiny_matrix():
    at = _run("rank_explorer", d_in=768, d_out=2304, rank=4)  # GPT-2 c_attn
    assert _metric(at, "LoRA parameters") == f"{4 * (768 + 2304):,}"
    at = _run("rank_explorer", d_in=1, d_out=5, rank=3)  # rank clamps to 1, no slider
    assert _metric(at, "LoRA parameters") == "6" and not at.select_slider


def test_lowrank_random_matrix_is_labelled_and_error_falls():
    at = _run("lowrank_approx", source="random", max_rank=64, seed=3)
    assert "seeded random" in at.markdown[0].value and "seed 3" in at.markdown[0].value
    err8 = float(_metric(at, "relative error").rstrip("%"))
    at.slider[0].set_value(64).run()
    err64 = float(_metric(at, "relative error").rstrip("%"))
    assert 0 < err64 < err8 < 100


def test_lowrank_model_source_says_what_it_shows():
    at = _run("lowrank_approx", source="model", max_rank=16)
    label = at.markdown[0].value
    model = ROOT / "models" / "lora-lab-tiny" / "model.safetensors"
    if model.exists():
        assert "models/lora-lab-tiny" in label
        assert len(at.get("plotly_chart")) == 1
    else:
        assert "seeded random" in label and "not there yet" in label


def test_lowrank_reads_a_model_file_and_survives_a_damaged_one(tmp_path, monkeypatch):
    import numpy as np
    from safetensors.numpy import save_file

    import ui.widgets.lowrank_approx as widget

    rng = np.random.default_rng(0)
    w = (rng.standard_normal((48, 4)) @ rng.standard_normal((4, 40))).astype(np.float32)  # rank 4
    save_file({"model.layers.0.self_attn.q_proj.weight": w}, str(tmp_path / "model.safetensors"))
    monkeypatch.setattr(widget, "MODEL", tmp_path / "model.safetensors")
    at = _run("lowrank_approx", source="model", max_rank=32, seed=11)
    assert "q_proj.weight` 48×40" in at.markdown[0].value
    at.slider[0].set_value(4).run()
    assert _metric(at, "relative error") == "0.0%"  # rank 4 reproduces a rank-4 matrix

    (tmp_path / "bad.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00not json")
    monkeypatch.setattr(widget, "MODEL", tmp_path / "bad.safetensors")
    at = _run("lowrank_approx", source="model", max_rank=32, seed=12)
    assert "could not read bad.safetensors" in at.markdown[0].value


def test_nf4_quantizer_table_and_outlier_toggle():
    at = _run("nf4_quantizer", blocksize=64, seed=7)
    rows = at.dataframe[0].value
    assert list(rows["format"]) == ["NF4", "int4 absmax (−7 … 7)"]
    rmse = float(rows["rmse"][0])
    at.toggle[0].set_value(True).run()
    assert not at.exception
    # one ×8 outlier stretches absmax: the other 63 weights land on coarser steps
    assert float(at.dataframe[0].value["rmse"][0]) > rmse
    assert "4.500 bits" in at.caption[-1].value and "4.127" in at.caption[-1].value


@pytest.mark.parametrize("blocksize", [16, 256])
def test_nf4_quantizer_other_block_sizes(blocksize):
    at = _run("nf4_quantizer", blocksize=blocksize)
    assert len(at.dataframe[0].value) == 2 and len(at.get("plotly_chart")) == 1


def test_widgets_import_no_torch():
    code = (
        "import sys; sys.path.insert(0, %r);"
        "import ui.widgets.rank_explorer, ui.widgets.lowrank_approx, ui.widgets.nf4_quantizer;"
        "from engine.maths.nf4 import compare_nf4_int4; import numpy as np;"
        "compare_nf4_int4(np.ones(64, np.float32));"
        "assert 'torch' not in sys.modules, 'torch imported'" % str(ROOT)
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
