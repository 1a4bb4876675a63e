"""The lab panel, shared by the Lab page (/lab) and a lesson's `lab` section: a settings
form, Start, then live progress and results. Runs go to one server-wide job queue
(engine/lab/jobs.py); this session keeps only their job ids, so a rerun or a closed tab
never stops a run."""

from __future__ import annotations

import streamlit as st

from engine.lab import runs as lab_runs
from engine.lab.jobs import JobQueue
from engine.lab.settings import GlossaryEntry, LabSettings
from ui.components import lab_progress, memory_scale

MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@st.cache_resource
def job_queue() -> JobQueue:
    """One queue for the whole server, shared by every session (Streamlit docs, st.cache_resource)."""
    return JobQueue.from_env()


def _queue_or_stop() -> JobQueue:
    try:
        return job_queue()
    except ValueError as exc:  # e.g. LORA_LAB_MAX_JOBS=lots
        st.error(f"The lab's job queue cannot start: {exc}.")
        st.stop()


def render_lab_section(section) -> None:
    """A lesson's `lab` section: the same lab, with the lesson's settings and glossary."""
    render_lab(section.settings, section.glossary, key="lab-section")


def render_lab(settings: LabSettings, glossary: list[GlossaryEntry], *, key: str) -> None:
    with st.expander(f"The glossary to teach ({len(glossary)} terms)"):
        st.table([{"term": g.term, "definition": g.definition} for g in glossary])
    with st.form(f"{key}-form"):
        values, methods = _settings_form(settings, key)
        start = st.form_submit_button("Start", type="primary")
    if start:
        try:
            parsed = lab_runs.parse_settings(values)
            st.session_state[f"{key}-jobs"] = lab_runs.submit_comparison(_queue_or_stop(), parsed, glossary, methods)
        except lab_runs.SettingsError as exc:
            st.error("Please fix these settings:\n\n" + "\n".join(f"- {m}" for m in exc.messages))
    job_ids = st.session_state.get(f"{key}-jobs")
    if job_ids:
        lab_progress.show(_queue_or_stop(), job_ids, key=key)
    memory_scale.render(_queue_or_stop, key=key)  # the lab's second kind of run


def _settings_form(s: LabSettings, key: str) -> tuple[dict, list[str]]:
    """The form's widgets; bounds are checked by LabSettings, so a bad value gets a message."""
    model = st.text_input("Model (local path or Hugging Face id)", lab_runs.default_model(s.model), key=f"{key}-model")
    methods = st.multiselect("Methods to run", list(lab_runs.METHODS), list(lab_runs.METHODS), key=f"{key}-methods")
    left, middle, right = st.columns(3)
    rank = left.number_input("LoRA rank r (1-64)", value=s.rank, step=1, key=f"{key}-rank")
    alpha = middle.number_input("LoRA alpha", value=s.alpha, step=1.0, key=f"{key}-alpha")
    lr = right.number_input("Learning rate", value=s.learning_rate, step=1e-4, format="%.5f", key=f"{key}-lr")
    steps = left.number_input("Steps (1-500)", value=s.steps, step=10, key=f"{key}-steps")
    batch = middle.number_input("Batch size", value=s.batch_size, step=1, key=f"{key}-batch")
    seq_len = right.number_input("Sequence length (tokens)", value=s.seq_len, step=8, key=f"{key}-seq")
    modules = st.multiselect("Target modules", MODULES + [m for m in s.target_modules if m not in MODULES], s.target_modules,
                             accept_new_options=True, key=f"{key}-modules")
    values = dict(model=model.strip(), rank=rank, alpha=alpha, learning_rate=lr, steps=steps, batch_size=batch,
                  seq_len=seq_len, target_modules=modules, seed=s.seed)
    return values, methods
