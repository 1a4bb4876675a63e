"""Live status of this session's lab runs: a fragment that polls the job queue every
second while a run is running, every QUEUED_POLL_SECONDS while they only wait (Streamlit
docs, st.fragment `run_every`), with place in queue, progress, loss so far and a Cancel
button; results once all end.

Polling must cost the server little, since every tab that watches a run polls (issue 10).
A fragment run has to send its elements again (the browser drops those a fragment run
leaves out), but it computes nothing new unless the jobs' `fingerprint` changed, and it
rebuilds the loss figure at most every CHART_SECONDS: in between it sends the figure it
built last, unchanged, which Streamlit sends as a hash reference once it is 10 kB or more
(streamlit/runtime/forward_msg_cache.py, global.minCachedMessageSize).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from engine.jobs.job import JobInfo
from engine.jobs.queue import JobQueue
from engine.lab.messages import without_paths
from ui.components import identity, instructor, lab_questions, lab_results

POLL_SECONDS = 1.0  # status and progress bars while a run is running, seconds
# From Start until the first loss point: a run forked from the warm worker reports its first loss
# within about a second (engine/jobs/template.py), so look twice a second until it shows (issue 22's
# goal: the first loss point within 2 s of Start), then every POLL_SECONDS.
STARTING_POLL_SECONDS = 0.5
# While this tab's runs only wait, nothing but their place changes: polling half as often halves
# what a class of waiting tabs costs the server and the browser (10 tabs: issue 10).
QUEUED_POLL_SECONDS = 2.0
CHART_SECONDS = 2.0  # the live loss figure is rebuilt at most this often, seconds
# A run testing after training ends within about a second: a poll that finds only such runs waits
# up to this long for them, checking every END_CHECK_SECONDS, so the results follow at once rather
# than at the next poll (half a second later on average).
END_WAIT_SECONDS, END_CHECK_SECONDS = 1.0, 0.1
# run_lab's progress phases (engine/lab/finetune.py), in words.
PHASES = {"load": "loading the model", "eval_before": "testing before training", "train": "training",
          "eval_after": "testing after training"}


def show(queue: JobQueue, job_ids: dict[str, str], *, key: str) -> None:
    every = poll_seconds({m: queue.status(j) for m, j in job_ids.items()})
    panel = st.fragment(_panel, run_every=every)
    panel(queue, job_ids, key, every)


def poll_seconds(infos: dict[str, JobInfo | None]) -> float | None:
    """How often the panel polls: twice a second from Start to the first loss, every second while a
    run runs, less often while they only wait behind others, not at all once every run has finished."""
    live = [i for i in infos.values() if i is not None and not i.finished]
    if not live:
        return None
    starting = any(i.state == "running" or i.place == 1 for i in live)  # running, or next to start
    if starting and not any(i.losses for i in infos.values() if i is not None):
        return STARTING_POLL_SECONDS
    return POLL_SECONDS if any(i.state == "running" for i in live) else QUEUED_POLL_SECONDS


def ending(infos: dict[str, JobInfo | None]) -> bool:
    """Every run still going is testing after training: the last phase, a second or less."""
    live = [i for i in infos.values() if i is not None and not i.finished]
    return bool(live) and all(i.state == "running" and i.progress.get("phase") == "eval_after" for i in live)


def _wait_for_end(queue: JobQueue, job_ids: dict[str, str], infos: dict) -> dict:
    deadline = time.monotonic() + END_WAIT_SECONDS
    while time.monotonic() < deadline and not all(i is None or i.finished for i in infos.values()):
        time.sleep(END_CHECK_SECONDS)
        infos = {method: queue.status(job_id) for method, job_id in job_ids.items()}
    return infos


# What one session's panel last drew: the fingerprint it drew, the live figure and when it was built.
@dataclass
class LiveView:
    jobs: tuple = ()  # the job ids it watches; a new Start gets a new view
    mark: tuple | None = None
    figure: Any = None  # plotly Figure of the losses so far
    figure_mark: tuple | None = None
    figure_at: float = 0.0  # time.monotonic(), seconds
    builds: int = 0  # figures built, for tests and benchmarks


def fingerprint(infos: dict[str, JobInfo | None]) -> tuple:
    """The few numbers that decide what the panel shows; equal fingerprints draw the same panel."""
    return tuple((m, None) if i is None else
                 (m, i.id, i.state, i.place, i.progress.get("phase"), i.progress.get("step"), len(i.losses), i.error)
                 for m, i in infos.items())


def show_empty(*, key: str) -> None:
    """Before this learner's first run: the loss chart, empty, saying what will fill it. Drawn now also
    so that the browser loads its chart library (4.7 MB of JavaScript) while the learner reads the
    page, not between Start and the first loss point (1.8-3 s on 2 shared cores, issue 22)."""
    figure = lab_results.loss_figure({})
    figure.add_annotation(text="Press Start: the loss of every step appears here as it trains", showarrow=False,
                          xref="paper", yref="paper", x=0.5, y=0.5)
    st.plotly_chart(figure, key=f"{key}-live-loss-empty")


def live_figure(view: LiveView, infos: dict[str, JobInfo | None], mark: tuple, now: float):
    """The loss figure to show: rebuilt when the losses changed and CHART_SECONDS have passed. Its
    points are marked, so the first step's loss shows as a point before there is a line to draw."""
    stale = view.figure is None or (mark != view.figure_mark and now - view.figure_at >= CHART_SECONDS)
    if stale:
        losses = {m: i.losses for m, i in infos.items() if i is not None and i.losses}
        view.figure = lab_results.loss_figure(losses).update_traces(mode="lines+markers") if losses else None
        view.figure_mark, view.figure_at, view.builds = mark, now, view.builds + bool(losses)
    return view.figure


def _panel(queue: JobQueue, job_ids: dict[str, str], key: str, every: float | None) -> None:
    """The runs, polled every `every` seconds (None: they had all finished when the page was drawn)."""
    infos = {method: queue.status(job_id) for method, job_id in job_ids.items()}
    if every is not None and ending(infos):
        infos = _wait_for_end(queue, job_ids, infos)
    view = st.session_state.get(f"{key}-live")
    if view is None or view.jobs != tuple(job_ids.values()):
        view = st.session_state[f"{key}-live"] = LiveView(jobs=tuple(job_ids.values()))
    view.mark = fingerprint(infos)
    was_active = every is not None
    st.header("Runs")
    for method, info in infos.items():
        _job_row(queue, method, info, key)
    if was_active and all(i is None or i.finished for i in infos.values()):
        st.rerun()  # the whole page again: polling stops and the results appear
    figure = live_figure(view, infos, view.mark, time.monotonic()) if was_active else None
    if figure is not None:
        st.plotly_chart(figure, key=f"{key}-live-loss")
    if was_active and poll_seconds(infos) != every:
        st.rerun()  # a run started, or showed its first loss: the whole page again, to poll at the new pace
    done = {m: i.result for m, i in infos.items() if i is not None and i.state == "done"}
    if not was_active and done:
        identity.save_lab_runs(job_ids, done)  # the progress store keeps each finished run once
        lab_results.show(done, key=key)
        lab_questions.show(done, key=key)  # questions with this run's own numbers


def _job_row(queue: JobQueue, method: str, info: JobInfo | None, key: str) -> None:
    if info is None:
        st.warning(f"**{method}**: this run is no longer known to the server (it restarted); press Start again.")
        return
    with st.container(border=True):
        head, button = st.columns([5, 1])
        head.markdown(f"**{method}** · {info.state}")
        if info.state == "queued":
            head.caption(f"Waiting: place {info.place} in the queue for the {info.device}.")
        elif info.state == "running":
            _running(head, info)
        elif info.state == "failed":  # the server's paths stay out of what a learner reads
            st.error(f"{method} failed: {without_paths(info.error)}")
            if info.detail and instructor.is_instructor():
                with st.expander("Technical details"):
                    st.code(info.detail, language="text")
        elif info.state == "cancelled":
            st.warning(f"{method} was cancelled.")
        if not info.finished and button.button("Cancel", key=f"{key}-cancel-{info.id}"):
            queue.cancel(info.id)
            st.toast(f"Cancelling the {method} run…")


def _running(box, info: JobInfo) -> None:
    p = info.progress
    step, steps = int(p.get("step") or 0), int(p.get("steps") or 0)
    phase = PHASES.get(p.get("phase"), p.get("phase") or "starting a worker process")
    text = f"{phase}: step {step} of {steps}" if steps else f"{phase}…"
    if info.losses:
        text += f" · loss {info.losses[-1]:.3f}"
    box.progress(min(1.0, step / steps) if steps else 0.0, text=text)
