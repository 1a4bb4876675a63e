"""ui/components/lab_results.py in AppTest: a run the stop rule ended early says so and why, and
the results table is one column per method, so it fits the page (issue 18)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _results_script() -> None:
    import sys

    from tests.conftest import ROOT

    sys.path.insert(0, str(ROOT))
    from tests.ui.test_lab_page import fake_run_lab
    from engine.lab.settings import GlossaryEntry, LabSettings
    from ui.components import lab_results

    glossary = [GlossaryEntry(term="zorbit", definition="a made-up unit")]
    results = {m: fake_run_lab(LabSettings(steps=90), glossary, m, on_progress=lambda p: None,
                               should_stop=lambda: False, output_dir=f"/tmp/lab-results-test-{m}") for m in ("lora", "qlora")}
    results["qlora"].update(stopped_at=84, stop_reason="converged", stop_loss=0.08)
    lab_results.show(results, key="t")


def test_an_early_stop_is_named_and_the_table_is_one_column_per_method():
    at = AppTest.from_function(_results_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [box.value.split(" (")[0] for box in at.info] == ["qlora stopped at step 84 of 90: loss under 0.08"]
    table = at.dataframe[0].value
    assert list(table.columns) == ["figure", "lora", "qlora"] and "trainable %" in list(table["figure"])
