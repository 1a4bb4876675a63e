"""Memory at scale, on the Lab page: one button runs real training steps of full
fine-tuning, LoRA and QLoRA on the GPT-2 125M shape (random weights) in a worker of the
lab's job queue, shows progress while it runs, then measured peak memory beside the
prediction of engine.maths.memory, with the prediction's ledger of components.

The job function is engine.lab.memory_scale:run_memory_scale (imported by name in the
worker, never here: the server does not import torch). `LORA_LAB_MEMORY_TARGET=module:function`
swaps in another with the same signature, e.g. a fast stand-in for UI tests.
"""

from __future__ import annotations

import os
from typing import Callable

import pandas  # noqa: F401 - whole before any figure: see ui/__init__.py
import plotly.graph_objects as go
import streamlit as st

from engine.jobs.queue import JobQueue
from engine.lab.messages import without_paths
from ui.components import lab_queue

BUTTON = "Measure memory at scale"  # the exact label benchmarks/lab_browser.py looks for
PRESET = "gpt2-125m"
POLL_SECONDS = 1.0
GIB = 2**30  # bytes per GiB, as torch and nvidia-smi report memory
INTRO = ("The small model above is too small for its memory to tell the methods apart: the process's "
         "own overhead is bigger than the differences. This runs two real training steps of each method "
         "on the shape of GPT-2 125M (random weights: the values do not change how many bytes they take), "
         "each in a fresh process, and sets the measured peak beside the memory model's prediction. "
         "Under a minute on a 2-core CPU.")


def target() -> str:
    return os.environ.get("LORA_LAB_MEMORY_TARGET", "engine.lab.memory_scale:run_memory_scale")


def render(get_queue: Callable[[], JobQueue], *, key: str, owner: str | None = None,
           anonymous_from: str | None = None) -> None:
    """The section: intro, the button, then progress or results of this session's run. The run is
    filed under `owner`, like the lab's other runs, so it counts against that learner's caps."""
    st.header("Memory at scale")
    st.caption(INTRO)
    state_key = f"{key}-memory-scale-job"
    if st.button(BUTTON, key=f"{key}-memory-scale"):
        try:
            st.session_state[state_key] = get_queue().submit(target(), {"preset": PRESET}, label="memory at scale",
                                                             owner=owner, anonymous_from=anonymous_from)
            lab_queue.refused(f"{key}-memory-scale", None, forget=True)
        except ValueError as exc:  # QueueFull: this learner already has their share of runs queued
            lab_queue.refused(f"{key}-memory-scale", str(exc))
    else:
        lab_queue.refused(f"{key}-memory-scale")
    job_id = st.session_state.get(state_key)
    if job_id:
        queue = get_queue()
        info = queue.status(job_id)
        active = info is not None and not info.finished
        st.fragment(_panel, run_every=POLL_SECONDS if active else None)(queue, job_id, key, active)


def _panel(queue: JobQueue, job_id: str, key: str, was_active: bool) -> None:
    info = queue.status(job_id)
    if info is None:
        st.warning("This measurement is no longer known to the server (it restarted); press the button again.")
        return
    if was_active and info.finished:
        st.rerun()  # the whole page again: polling stops and the results appear
    if info.state == "queued":
        st.caption(f"Waiting: place {info.place} in the queue for the {info.device}.")
    elif info.state == "running":
        p = info.progress
        step, steps = int(p.get("step") or 0), int(p.get("steps") or 3)
        text = _status(p, step, steps)
        st.progress(min(1.0, step / steps), text=text)
        if st.button("Cancel", key=f"{key}-memory-scale-cancel"):
            queue.cancel(job_id)
    elif info.state == "failed":
        st.error(f"Memory at scale failed: {without_paths(info.error)}")
    elif info.state == "cancelled":
        st.warning("Memory at scale was cancelled.")
    elif info.state == "done":
        show_result(info.result, key=key)


def _status(progress: dict, step: int, steps: int) -> str:
    """The running job's phase in words; after the last method it is the comparison, never the start again."""
    if progress.get("phase") == "measure":
        return f"measuring {progress['method']}: method {step + 1} of {steps}"
    if progress.get("phase") == "measured":
        done = f"measured {progress['method']}: {step} of {steps} methods"
        return done + ("; comparing with the prediction…" if step >= steps else "")
    return "starting a worker process…"


def scale_figure(result: dict) -> go.Figure:
    """Measured peak beside the predicted peak, per method, in GiB."""
    methods = [r["method"] for r in result["rows"]]
    figure = go.Figure([
        go.Bar(name="measured peak", x=methods, y=[r["measured_peak"] / GIB for r in result["rows"]]),
        go.Bar(name="predicted peak (engine/maths/memory.py)", x=methods,
               y=[r["predicted_peak"] / GIB for r in result["rows"]]),
    ])
    figure.update_layout(barmode="group", title=f"Peak memory of one training step: {result['model']}",
                         yaxis_title="GiB", height=360)
    return figure


# engine/maths/memory.py's component names, as a learner reads them.
COMPONENTS = {"weights": "base weights", "quant_constants": "quantization constants",
              "master_weights": "fp32 master weights", "gradients": "gradients", "optimizer": "optimizer state",
              "adapter_weights": "adapter weights", "adapter_gradients": "adapter gradients",
              "adapter_optimizer": "adapter optimizer state", "activations": "activations", "logits": "logits",
              "overhead": "framework overhead"}


def ledger_rows(result: dict) -> list[dict]:
    """One row per predicted component (MiB), one column per method, then the predicted and measured
    peaks and their ratio. Every cell is text: "—" where a method has no such part (QLoRA keeps no
    gradients of the base), never an empty cell."""
    methods = [r["method"] for r in result["rows"]]
    parts = list(dict.fromkeys(name for r in result["rows"] for name, value in r["predicted_components"].items()
                               if value))
    rows = [{"part (MiB)": COMPONENTS.get(name, name.replace("_", " ")),
             **{r["method"]: _mib(r["predicted_components"].get(name)) for r in result["rows"]}} for name in parts]
    rows.append({"part (MiB)": "predicted peak", **{r["method"]: _mib(r["predicted_peak"]) for r in result["rows"]}})
    rows.append({"part (MiB)": "measured peak", **{r["method"]: _mib(r["measured_peak"]) for r in result["rows"]}})
    rows.append({"part (MiB)": "measured / predicted",
                 **{m: f"{r['ratio_peak']:.3f}" for m, r in zip(methods, result["rows"])}})
    return rows


def _mib(value) -> str:
    return f"{value / 2**20:,.1f}" if value else "—"  # bytes → MiB


def show_result(result: dict, *, key: str) -> None:
    st.plotly_chart(scale_figure(result), key=f"{key}-memory-scale-chart")
    order = "full > LoRA > QLoRA" if result["ordered"] else "not ordered full > LoRA > QLoRA"
    within = "within" if result["within_tolerance"] else "not all within"
    st.markdown(f"Measured peaks: **{order}**, {within} {result['tolerance']:.0%} of the prediction "
                f"({result['seconds']:.0f} s on the {result['device']}).")
    st.markdown("**The ledger: predicted bytes by component (MiB)**")
    st.dataframe(ledger_rows(result), hide_index=True, height="content")
    st.caption(result["how"])
