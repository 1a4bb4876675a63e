"""The lab panel, shared by the Lab page (/lab) and a lesson's `lab` section: a settings
form, Start, then live progress and results. Runs go to the shared job queue
(engine/jobs/shared_queue.py: records in the progress database, run here or on Ray), filed
under this learner (ui/components/lab_queue.py), so a rerun, a reload or a closed tab never
stops or orphans a run, and every app replica shows it."""

from __future__ import annotations

import logging
import os

import streamlit as st

from engine.jobs.queue import JobQueue
from engine.lab import footprint, warmup
from engine.lab import runs as lab_runs
from engine.lab.settings import GlossaryEntry, LabSettings
from ui.components import lab_progress, lab_queue, memory_scale

log = logging.getLogger(__name__)

MODULES = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


@st.cache_resource(show_spinner=False)
def _queue(database: str, ray_address: str):
    """One queue per server, database and cluster, shared by every session (Streamlit docs,
    st.cache_resource). If the database cannot be opened, the in-process queue still runs the lab."""
    from engine.jobs.shared_queue import SharedQueue
    from engine.progress.store import StoreError

    try:
        queue = SharedQueue.from_env(database, needs=footprint.NAME, warmup=warmup.NAME)
    except StoreError as exc:
        if ray_address:
            raise ValueError(f"the Ray backend needs the progress database: {exc}") from None
        log.warning("lab jobs kept in this process only: %s", exc)
        queue = JobQueue.from_env(warmup=warmup.NAME)
    queue.warm()  # the warm worker gets ready while the learner reads the page (engine/jobs/template.py)
    return queue


def job_queue():
    from engine.progress.store import database_url

    return _queue(database_url(), os.environ.get("LORA_LAB_RAY_ADDRESS", "").strip())


job_queue.clear = _queue.clear  # tests rebuild the queue from a changed environment


def warm_lab() -> None:
    """Make the lab's queue, and so its warm worker, now (LORA_LAB_WARM_WORKER=start); a queue that
    cannot start says so on the Lab page instead, not on every page."""
    try:
        job_queue()
    except (ValueError, RuntimeError, ConnectionError) as exc:
        log.warning("the lab's job queue did not start with the server: %s", exc)


def _queue_or_stop():
    try:
        return job_queue()
    except (ValueError, RuntimeError, ConnectionError) as exc:  # e.g. LORA_LAB_MAX_JOBS=lots, Ray unreachable
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
    owner = lab_queue.lab_owner()
    anonymous = lab_queue.anonymous_from(owner)
    lab_queue.explain_owner(owner)
    if start:
        try:
            parsed = lab_runs.parse_settings(values)
            st.session_state[f"{key}-jobs"] = lab_runs.submit_comparison(_queue_or_stop(), parsed, glossary, methods,
                                                                         owner=owner, anonymous_from=anonymous)
            lab_queue.refused(key, None, forget=True)
        except lab_runs.SettingsError as exc:
            st.error("Please fix these settings:\n\n" + "\n".join(f"- {m}" for m in exc.messages))
        except ValueError as exc:  # QueueFull: this learner already has their share queued
            lab_queue.refused(key, str(exc))
    else:
        lab_queue.refused(key)  # said again if a run's start reran the page just after the refusal
    queue = _queue_or_stop()
    mine = lab_queue.my_jobs(queue, owner)
    job_ids = st.session_state.get(f"{key}-jobs") or lab_queue.latest_group(mine)  # a reload finds them again
    lab_queue.show_waiting(queue, mine, job_ids, key=key)
    if job_ids:
        lab_progress.show(queue, job_ids, key=key)
    else:
        lab_progress.show_empty(key=key)
    memory_scale.render(_queue_or_stop, key=key, owner=owner, anonymous_from=anonymous)  # its second kind of run


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
