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
    assert "❌ **8 GB**" not in fits and "✅ **80 GB**" in fits  # ~7.9 GiB: fits on 8 GB, barely
    at.radio[0].set_value("full").run()
    assert at.metric[0].value == f"{est('llama-7b', method='full').total / memory.GIB:,.2f} GiB"
    assert "❌ **80 GB**" in at.markdown[0].value


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
    assert at.metric[0].label.startswith("qlora")
    if memory_measure.load_results() is not None:
        assert at.dataframe, "measured results exist but no table is shown"


@pytest.mark.parametrize("lesson_file, method", [("04-qlora.yaml", "qlora"), ("05-where-memory-goes.yaml", "full")])
def test_widget_renders_inside_the_lessons_that_use_it(lesson_file, method):
    from ruamel.yaml import YAML

    from tests.apptest import open_page

    lesson_id = YAML(typ="safe").load((ROOT / "lessons" / lesson_file).read_text(encoding="utf-8"))["id"]
    at = open_page(lesson_id)
    assert not at.exception, at.exception
    assert any(m.label == f"{method}: total on the GPU" for m in at.metric)
