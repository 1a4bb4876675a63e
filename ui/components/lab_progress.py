"""Live status of this session's lab runs: a fragment that polls the job queue every
second while a run is queued or running (Streamlit docs, st.fragment `run_every`),
with place in queue, progress, loss so far and a Cancel button; results once all end."""

from __future__ import annotations

import streamlit as st

from engine.lab.job import JobInfo
from engine.lab.jobs import JobQueue
from ui.components import identity, lab_questions, lab_results

POLL_SECONDS = 1.0
# run_lab's progress phases (engine/lab/finetune.py), in words.
PHASES = {"load": "loading the model", "eval_before": "testing before training", "train": "training",
          "eval_after": "testing after training"}


def show(queue: JobQueue, job_ids: dict[str, str], *, key: str) -> None:
    active = _any_active(queue, job_ids)
    panel = st.fragment(_panel, run_every=POLL_SECONDS if active else None)
    panel(queue, job_ids, key, active)


def _any_active(queue: JobQueue, job_ids: dict[str, str]) -> bool:
    return any((info := queue.status(j)) is not None and not info.finished for j in job_ids.values())


def _panel(queue: JobQueue, job_ids: dict[str, str], key: str, was_active: bool) -> None:
    infos = {method: queue.status(job_id) for method, job_id in job_ids.items()}
    st.subheader("Runs")
    for method, info in infos.items():
        _job_row(queue, method, info, key)
    if was_active and not _any_active(queue, job_ids):
        st.rerun()  # the whole page again: polling stops and the results appear
    losses = {m: i.losses for m, i in infos.items() if i is not None and i.losses}
    if was_active and losses:
        st.plotly_chart(lab_results.loss_figure(losses), key=f"{key}-live-loss")
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
        elif info.state == "failed":
            st.error(f"{method} failed: {info.error}")
            if info.detail:
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
