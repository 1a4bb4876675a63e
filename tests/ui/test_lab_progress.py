"""Cheap live progress (ui/components/lab_progress.py): the fingerprint that says whether
anything changed, the live loss figure rebuilt only when it did (and at most every
CHART_SECONDS), and, in AppTest, polls of an unchanged run that build no figure."""

from __future__ import annotations

import time

import pytest

from engine.jobs.job import JobInfo
from tests.apptest import open_page
from tests.ui.test_lab_page import _run_until, _start, fake_target, lab_lesson_only  # noqa: F401 - fixtures
from ui.components import lab_progress, lab_results
from ui.components.lab_progress import CHART_SECONDS, LiveView, fingerprint, live_figure


def _info(job_id="job-1", state="running", step=1, losses=(3.0,), place=None) -> JobInfo:
    return JobInfo(id=job_id, target="m:f", label="lora", group=None, device="cpu", state=state, place=place,
                   progress={"phase": "train", "step": step, "steps": 5}, losses=list(losses))


def test_equal_job_states_have_equal_fingerprints_and_any_change_shows():
    base = fingerprint({"lora": _info()})
    assert fingerprint({"lora": _info()}) == base
    changed = [_info(step=2), _info(losses=(3.0, 2.0)), _info(state="done"), _info(job_id="job-2"), None]
    for info in changed:
        assert fingerprint({"lora": info}) != base, info
    assert fingerprint({"qlora": _info()}) != base


@pytest.fixture
def counted(monkeypatch):
    """Count the loss figures built."""
    calls = []
    real = lab_results.loss_figure

    def counting(curves):
        calls.append({m: list(c) for m, c in curves.items()})
        return real(curves)

    monkeypatch.setattr(lab_results, "loss_figure", counting)
    return calls


def test_the_figure_is_built_once_while_nothing_changes(counted):
    view, infos = LiveView(), {"lora": _info()}
    first = live_figure(view, infos, fingerprint(infos), now=100.0)
    for now in (101.0, 105.0, 200.0):  # polls of an unchanged run, even long after
        assert live_figure(view, infos, fingerprint(infos), now=now) is first
    assert len(counted) == 1


def test_a_change_rebuilds_the_figure_at_most_every_chart_seconds(counted):
    view = LiveView()
    live_figure(view, {"lora": _info()}, fingerprint({"lora": _info()}), now=100.0)
    newer = {"lora": _info(step=2, losses=(3.0, 2.0))}
    live_figure(view, newer, fingerprint(newer), now=100.0 + CHART_SECONDS / 2)  # too soon: the old figure
    assert len(counted) == 1
    figure = live_figure(view, newer, fingerprint(newer), now=100.0 + CHART_SECONDS)
    assert len(counted) == 2 and counted[-1] == {"lora": [3.0, 2.0]}
    assert list(figure.data[0].y) == [3.0, 2.0]


def test_before_any_run_the_page_draws_the_empty_loss_chart(fake_target):  # noqa: F811
    """It says what will fill it, and has the browser load the chart library before Start (issue 22)."""
    at = open_page("lab")
    charts = at.get("plotly_chart")
    assert len(charts) == 1 and "Press Start" in charts[0].proto.spec
    from ui.components.lab_panel import job_queue

    at = _start(at, methods=("lora",), model="wait-for-cancel", steps=2)
    job_id = at.session_state["lab-page-jobs"]["lora"]
    try:
        assert all("Press Start" not in chart.proto.spec for chart in at.get("plotly_chart"))
    finally:
        job_queue().cancel(job_id)
        assert job_queue().wait(job_id, 30).state == "cancelled"


def test_no_losses_yet_draws_no_figure(counted):
    infos = {"lora": _info(losses=())}
    assert live_figure(LiveView(), infos, fingerprint(infos), now=1.0) is None
    assert counted == []


def test_polls_of_a_run_that_does_not_move_build_no_figure(fake_target, counted):  # noqa: F811
    """The real page and queue: a run that stops after step 1 until cancelled; polls then rebuild nothing."""
    from ui.components.lab_panel import job_queue

    at = _start(open_page("lab"), methods=("lora",), model="wait-for-cancel", steps=2)
    job_id = at.session_state["lab-page-jobs"]["lora"]
    _run_until(at, lambda a: "step 1 of 2" in str([p.proto.text for p in a.get("progress")]))
    live = lambda: len([curves for curves in counted if curves])  # noqa: E731 - the empty chart before Start has none
    builds = live()
    assert builds >= 1 and len(at.get("plotly_chart")) == 1
    for _ in range(4):  # four more polls (AppTest reruns the script, fragment included)
        at.run()
    assert live() == builds  # nothing changed: no figure was built again
    assert len(at.get("plotly_chart")) == 1  # and the figure is still shown
    view = at.session_state["lab-page-live"]
    assert view.builds == builds and view.mark == view.figure_mark
    job_queue().cancel(job_id)
    assert job_queue().wait(job_id, 30).state == "cancelled"


def test_polling_is_every_second_and_the_chart_at_least_every_two():
    assert lab_progress.POLL_SECONDS <= 1.0 and CHART_SECONDS <= 2.0


def test_a_run_is_polled_twice_a_second_until_its_first_loss_then_every_second():
    def info(state, place=None, losses=()):
        return JobInfo(id=f"job-{state}", target="m:f", label="qlora", group=None, device="cpu", state=state,
                       place=place, losses=list(losses))

    starting, fast = lab_progress.poll_seconds, lab_progress.STARTING_POLL_SECONDS
    assert starting({"qlora": info("queued", place=1)}) == fast  # just pressed Start: next to run
    assert starting({"qlora": info("running"), "lora": info("queued", place=1)}) == fast <= 0.5
    assert starting({"qlora": info("running", losses=[3.0]), "lora": info("queued", place=1)}) == lab_progress.POLL_SECONDS
    assert starting({"qlora": info("done", losses=[3.0]), "lora": info("running")}) == lab_progress.POLL_SECONDS


def test_waiting_tabs_poll_half_as_often():
    def info(state, place=None):
        return JobInfo(id=f"job-{state}", target="m:f", label="qlora", group=None, device="cpu", state=state,
                       place=place)

    assert lab_progress.poll_seconds({"qlora": info("queued", place=3)}) == lab_progress.QUEUED_POLL_SECONDS <= 2.0
    assert lab_progress.poll_seconds({"qlora": info("done"), "lora": None}) is None


def test_a_poll_that_finds_runs_testing_after_training_waits_for_their_end():
    """Their results then show at once, not at the next poll."""
    def info(phase, state="running"):
        return JobInfo(id="job-1", target="m:f", label="qlora", group=None, device="cpu", state=state,
                       progress={"phase": phase, "step": 5, "steps": 5}, losses=[1.0])

    assert lab_progress.ending({"qlora": info("eval_after"), "full": info("eval_after", state="done")})
    assert not lab_progress.ending({"qlora": info("eval_after"), "lora": info("train")})
    assert not lab_progress.ending({"qlora": info("eval_after", state="done")})  # nothing left to wait for

    class Queue:  # finishes on its third look
        looks = 0

        def status(self, job_id):
            self.looks += 1
            return info("eval_after", state="done" if self.looks >= 3 else "running")

    start = time.monotonic()
    infos = lab_progress._wait_for_end(Queue(), {"qlora": "job-1"}, {"qlora": info("eval_after")})
    assert infos["qlora"].state == "done" and time.monotonic() - start < lab_progress.END_WAIT_SECONDS
