"""Whose lab runs these are, and all of them at once: the owner key that survives reruns and
reloads, this learner's runs still waiting or running with Cancel (each, or all), and the
group a reloaded page shows again.

The owner is the signed-in learner ("learner-<id>"); without a sign-in, a random token
kept in the page's URL (`?lab=...`, Streamlit docs, st.query_params), so a rerun or a reload
finds the same runs instead of orphaning them, and the per-learner cap
(LORA_LAB_MAX_QUEUED, engine/jobs/fair.py) counts them all.
"""

from __future__ import annotations

import re
import secrets

import streamlit as st

from engine.lab import runs as lab_runs
from engine.jobs.job import JobInfo
from ui.components import identity

TOKEN = re.compile(r"^[0-9a-f]{16}$")


def lab_owner() -> str:
    """The key this session's runs are filed under (see the module docstring)."""
    learner = identity.variant_owner()
    if learner:
        return learner
    token = st.session_state.get("lab_token") or st.query_params.get("lab", "")
    if not TOKEN.match(str(token)):
        token = secrets.token_hex(8)
    st.session_state["lab_token"] = token
    if st.query_params.get("lab") != token:
        st.query_params["lab"] = token
    return f"session-{token}"


def my_jobs(queue, owner: str) -> list[JobInfo]:
    return queue.jobs(owner=owner)


def latest_group(jobs: list[JobInfo]) -> dict[str, str]:
    """label -> job id of the newest comparison among `jobs` (what a reloaded page shows again);
    the learner's other runs (memory at scale) have panels of their own."""
    jobs = [j for j in jobs if j.target == lab_runs.job_target()]
    if not jobs:
        return {}
    newest = max(jobs, key=lambda j: j.submitted_at)
    return {j.label: j.id for j in jobs if j.group == newest.group} if newest.group else {newest.label: newest.id}


def show_waiting(queue, jobs: list[JobInfo], shown: dict[str, str], *, key: str) -> None:
    """This learner's unfinished runs that the panel below does not already show, each with
    Cancel, and one button that cancels every unfinished run of theirs."""
    unfinished = [j for j in jobs if not j.finished]
    others = [j for j in unfinished if j.id not in shown.values()]
    if others:
        with st.expander(f"Your other runs still waiting or running ({len(others)})", expanded=True):
            for job in others:
                left, right = st.columns([5, 1])
                where = f"place {job.place} in the queue" if job.place else job.state
                left.markdown(f"**{job.label}** · {job.state} ({where})")
                if right.button("Cancel", key=f"{key}-cancel-other-{job.id}"):
                    queue.cancel(job.id)
                    st.rerun()
    if len(unfinished) > 1 and st.button(f"Cancel all my runs ({len(unfinished)})", key=f"{key}-cancel-all"):
        for job in unfinished:
            queue.cancel(job.id)
        st.rerun()
