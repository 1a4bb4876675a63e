"""The memory_calculator widget, inside the lessons that use it, and the Memory page (ui/pages/memory.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest

from engine.maths import memory, memory_measure
from tests.conftest import ROOT
from tests.maths.test_memory import est


def _widget_script(params: dict) -> None:
    import sys  # AppTest runs this function's body as a script of its own

    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT))
    from engine.content.figures import MemoryCalculatorParams
    from ui.widgets import memory_calculator

    memory_calculator.render(MemoryCalculatorParams(**params))


def _widget(**params) -> AppTest:
    at = AppTest.from_function(_widget_script, args=(params,), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_widget_shows_the_chosen_total_and_gpu_fits():
    at = _widget(preset="llama-7b", method="qlora")
    expected = est("llama-7b", method="qlora").total / memory.GIB
    assert at.metric[0].value == f"{expected:,.2f} GiB"
    fits = at.markdown[0].value
    assert ":red[:material/cancel:] **8 GB**" not in fits and ":green[:material/check_circle:] **80 GB**" in fits
    at.radio[0].set_value("full").run()
    assert at.metric[0].value == f"{est('llama-7b', method='full').total / memory.GIB:,.2f} GiB"
    assert ":red[:material/cancel:] **80 GB**" in at.markdown[0].value


def test_widget_reacts_to_batch_and_preset():
    at = _widget(preset="qwen2.5-0.5b", method="lora", batch_size=1, seq_len=256)
    before = at.metric[0].value
    at.number_input[0].set_value(64).run()
    assert at.metric[0].value != before
    assert at.metric[0].value == f"{est('qwen2.5-0.5b', method='lora', batch_size=64, seq_len=256).total / memory.GIB:,.2f} GiB"


def test_figure_params_reject_an_unknown_preset():
    from engine.content.figures import MemoryCalculatorParams

    with pytest.raises(ValidationError, match="unknown preset 'llama-9b'"):
        MemoryCalculatorParams(preset="llama-9b")


def test_memory_page_renders_calculator_and_measurements():
    from tests.apptest import open_page

    at = open_page("memory")
    assert not at.exception, at.exception
    assert at.title[0].value.endswith("Training memory")
    assert at.metric[0].label.endswith("qlora: total on the GPU")
    if memory_measure.load_results() is not None:
        assert at.dataframe, "measured results exist but no table is shown"


@pytest.mark.parametrize("lesson_file, method", [("04-qlora.yaml", "qlora"), ("05-where-memory-goes.yaml", "full")])
def test_widget_renders_inside_the_lessons_that_use_it(lesson_file, method):
    from ruamel.yaml import YAML

    from tests.apptest import open_page

    lesson_id = YAML(typ="safe").load((ROOT / "lessons" / lesson_file).read_text(encoding="utf-8"))["id"]
    at = open_page(lesson_id)
    assert not at.exception, at.exception
    assert any(m.label.endswith(f"{method}: total on the GPU") for m in at.metric)


def test_gpu_size_labels_never_stack_when_a_large_model_sets_the_scale():
    from ui.widgets.memory_calculator import LABEL_GAP, gpu_lines

    full_65b = est("llama-65b", method="full").total / memory.GIB  # about 1,000 GiB: 8 to 48 GB sit near zero
    lines = gpu_lines(full_65b)
    assert sorted(gib for gib, _ in lines) == list(memory.GPU_SIZES_GIB)  # every line is drawn
    labelled = [gib for gib, label in lines if label]
    assert labelled[0] == max(memory.GPU_SIZES_GIB) and len(labelled) < len(lines)
    assert all(a - b >= LABEL_GAP * full_65b * 1.15 for a, b in zip(labelled, labelled[1:]))
    assert [label for _, label in gpu_lines(60)] == ["48 GB", "40 GB", "24 GB", "16 GB", "8 GB"]


def test_the_widget_names_the_model_shown_and_warns_past_its_context():
    at = _widget(preset="llama-65b", method="qlora", seq_len=512)
    assert at.metric[0].label.startswith("llama-65b, qlora") and not at.warning
    at.selectbox[0].set_value("llama-7b").run()
    assert at.metric[0].label.startswith("llama-7b, qlora")  # not "65B" after switching to 7B
    at.number_input[1].set_value(100_000).run()
    assert "reads at most 2,048 tokens" in at.warning[0].value and "100,000" in at.warning[0].value


def test_the_chart_draws_only_the_kept_labels():
    at = _widget(preset="llama-65b", method="full", seq_len=512)
    import json

    layout = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]
    texts = [a.get("text") for a in layout.get("annotations", [])]
    assert texts == ["80 GB"] and len(layout["shapes"]) == len(memory.GPU_SIZES_GIB)  # one label, every line
