"""Memory at scale on the Lab page (ui/components/memory_scale.py) in AppTest: the button,
progress while the job runs, Cancel, then measured bars beside the prediction and the ledger.

The job function is swapped for `fake_memory_scale` below through LORA_LAB_MEMORY_TARGET, so
these test the page; tests/lab/test_memory_scale.py runs the real measurement."""

from __future__ import annotations

import time

import pytest

from tests.apptest import open_page
from tests.ui.test_lab_page import _run_until, lab_lesson_only  # noqa: F401 - the fixture is autouse there too

FAKE = "tests.ui.test_memory_scale_page:fake_memory_scale"
GIB = 2**30


def fake_memory_scale(preset, *, on_progress=None, should_stop=None, **_options) -> dict:
    """Stands in for engine.lab.memory_scale:run_memory_scale: the same result keys, made-up
    figures. With the preset "wait-for-cancel" it waits in the first method until cancelled."""
    rows = []
    for i, (method, measured, predicted) in enumerate([("full", 2.15, 2.03), ("lora", 0.68, 0.64), ("qlora", 0.40, 0.37)]):
        on_progress({"phase": "measure", "method": method, "step": i, "steps": 3})
        while preset == "wait-for-cancel" and not should_stop():
            time.sleep(0.02)
        if should_stop():
            raise type("Cancelled", (Exception,), {})()
        components = {"weights": int(predicted * GIB * 0.6), "activations": int(predicted * GIB * 0.4),
                      "gradients": int(predicted * GIB * 0.1) if method == "full" else 0}
        rows.append({"method": method, "measured_peak": int(measured * GIB), "predicted_peak": sum(components.values()),
                     "ratio_peak": measured / predicted, "predicted_components": components, "seconds": 1.0})
    return {"kind": "memory_scale", "model": preset, "device": "cpu", "rows": rows, "ordered": True,
            "within_tolerance": True, "tolerance": 0.15, "seconds": 3.0, "how": "made up for the test",
            "weights": "random (shape only)"}


@pytest.fixture
def fake_target(monkeypatch):
    monkeypatch.setenv("LORA_LAB_MEMORY_TARGET", FAKE)


def _press(at):
    next(b for b in at.button if b.label == "Measure memory at scale").click()
    return at.run()


def test_the_button_runs_and_shows_bars_beside_the_prediction_with_the_ledger(fake_target):
    at = _press(open_page("lab"))
    assert not at.exception, [e.value for e in at.exception]
    assert "lab-page-memory-scale-job" in at.session_state  # the session keeps only the job id
    _run_until(at, lambda a: any("full > LoRA > QLoRA" in m.value for m in a.markdown))
    [chart] = [c for c in at.get("plotly_chart") if "Press Start" not in c.proto.spec]  # not the empty loss chart
    assert "Peak memory of one training step: gpt2-125m" in chart.proto.spec
    ledger = at.dataframe[0].value.set_index("part (MiB)")
    assert list(ledger.columns) == ["full", "lora", "qlora"]  # narrow: one column per method
    assert {"base weights", "activations", "gradients", "predicted peak", "measured peak"} <= set(ledger.index)
    assert ledger.loc["measured peak", "full"] == f"{2.15 * 1024:,.1f}"
    assert list(ledger.loc["gradients"]) == [f"{2.03 * 1024 * 0.1:,.1f}", "—", "—"]  # never None
    assert not ledger.isna().any().any() and "None" not in ledger.to_string()
    assert any("made up for the test" in c.value for c in at.caption)


def test_progress_shows_while_it_runs_and_cancel_stops_it(fake_target, monkeypatch):
    from ui.components import memory_scale
    from ui.components.lab_panel import job_queue

    monkeypatch.setattr(memory_scale, "PRESET", "wait-for-cancel")
    at = _press(open_page("lab"))
    job_id = at.session_state["lab-page-memory-scale-job"]
    _run_until(at, lambda a: "measuring full" in str([p.proto.text for p in a.get("progress")]))
    assert at.get("progress")[0].proto.text == "measuring full: method 1 of 3"
    next(b for b in at.button if b.label == "Cancel").click()
    at.run()
    _run_until(at, lambda a: any("Memory at scale was cancelled" in w.value for w in a.warning))
    assert job_queue().status(job_id).state == "cancelled"


def test_a_failed_measurement_shows_its_message(monkeypatch):
    monkeypatch.setenv("LORA_LAB_MEMORY_TARGET", "tests.ui.test_memory_scale_page:no_such_function")
    at = _press(open_page("lab"))
    _run_until(at, lambda a: len(a.error) > 0)
    assert "Memory at scale failed: could not import the job function" in at.error[0].value


def test_the_lesson_holding_the_lab_points_to_memory_at_scale():
    from engine.content.loader import lab_sections, load_course

    lesson, _section = lab_sections(load_course())[0]
    at = open_page(lesson.id)
    assert any(b.label == "Measure memory at scale" for b in at.button)
    assert any("Measure memory at scale" in m.value for m in at.markdown)  # the lesson's text says what it is


def test_a_flood_of_clicks_is_capped_per_learner(fake_target, monkeypatch):
    """Memory-at-scale runs are the learner's runs like any other: filed under them, and counted
    against their cap (LORA_LAB_MAX_QUEUED), with a message past it rather than a traceback."""
    from ui.components import memory_scale
    from ui.components.lab_panel import job_queue

    monkeypatch.setattr(memory_scale, "PRESET", "wait-for-cancel")
    queue = job_queue()  # the server's queue, as the page gets it (its cap read when it started)
    at = open_page("lab")
    ids = []
    for _ in range(queue.max_queued):
        at = _press(at)
        ids.append(at.session_state["lab-page-memory-scale-job"])
    owner = queue.status(ids[0]).owner
    try:
        assert owner and len(set(ids)) == queue.max_queued
        at = _press(at)  # one click past the cap
        assert not at.exception, [e.value for e in at.exception]
        assert at.session_state["lab-page-memory-scale-job"] == ids[-1]  # nothing new was queued
        assert any(str(queue.max_queued) in w.value for w in at.warning)  # the cap's message
        assert len([j for j in queue.jobs(owner=owner) if not j.finished]) == queue.max_queued
    finally:
        for job_id in ids:
            queue.cancel(job_id)


def test_the_status_after_the_last_method_is_the_comparison_not_the_start():
    from ui.components.memory_scale import _status

    assert _status({"phase": "measure", "method": "qlora", "step": 2}, 2, 3) == "measuring qlora: method 3 of 3"
    last = _status({"phase": "measured", "method": "qlora", "step": 3}, 3, 3)
    assert last == "measured qlora: 3 of 3 methods; comparing with the prediction…"
    assert _status({}, 0, 3) == "starting a worker process…"
