"""Whose lab runs these are, and all of them at once: the owner key that survives reruns and
reloads, this learner's runs still waiting or running with Cancel (each, or all), and the
group a reloaded page shows again.

The owner is the signed-in learner ("learner-<id>"), and a `?lab=` token in the URL is then
ignored and dropped, so a shared link shows nobody else's runs. Without a sign-in it is a
random token kept in the page's URL (`?lab=...`, Streamlit docs, st.query_params), so a rerun
or a reload finds the same runs instead of orphaning them, and the per-learner cap
(LORA_LAB_MAX_QUEUED, engine/jobs/fair.py) counts them all; the page says that whoever has
the link has the runs. Such runs also count against the client's address
(LORA_LAB_MAX_QUEUED_PER_ADDRESS), since tokens are free to make, and a server may take runs
from signed-in learners only (LORA_LAB_REQUIRE_SIGN_IN) (issue 21).
"""

from __future__ import annotations

import re
import secrets
import time

import streamlit as st

from engine.jobs.fair import Caps
from engine.jobs.job import JobInfo
from engine.lab import runs as lab_runs
from ui.components import identity

TOKEN = re.compile(r"^[0-9a-f]{16}$")
REFUSAL_S = 10.0  # seconds a refusal of Start stays on the page, across reruns


def lab_owner() -> str:
    """The key this session's runs are filed under (see the module docstring)."""
    learner = identity.variant_owner()
    if learner:
        if "lab" in st.query_params:
            del st.query_params["lab"]  # someone else's token, or this learner's from before they signed in
        return learner
    token = st.session_state.get("lab_token") or st.query_params.get("lab", "")
    if not TOKEN.match(str(token)):
        token = secrets.token_hex(8)
    st.session_state["lab_token"] = token
    if st.query_params.get("lab") != token:
        st.query_params["lab"] = token
    return f"session-{token}"


def anonymous_from(owner: str) -> str | None:
    """The client address when `owner` is a page token rather than a signed-in learner (whose runs are
    capped per learner): those runs are capped per address too."""
    return identity.client_keys()["address"] if owner.startswith("session-") else None


def explain_owner(owner: str) -> None:
    """Say whose runs these are: a signed-in learner's, or whoever holds this page's link."""
    if not owner.startswith("session-"):
        return
    try:
        required = Caps.from_env().sign_in
    except ValueError:  # a bad cap setting: the queue says so when it starts
        required = False
    if required:
        st.info("This server runs the lab for signed-in learners: sign in on the Progress page, then come back.",
                icon=":material/login:")
    else:
        st.caption("Your runs are filed under the token in this page's address (the part after ?lab=): anyone "
                   "who opens this address sees them and can cancel them. Sign in on the Progress page to keep your runs "
                   "to yourself.")


def refused(key: str, message: str | None = None, *, forget: bool = False) -> None:
    """Say why Start was refused (a cap: engine/jobs/fair.py), and keep saying it for REFUSAL_S: a
    run that starts meanwhile reruns the whole page (lab_progress.py), which would drop the message.
    `forget`: Start was accepted, so an earlier refusal is no longer true."""
    if forget:
        st.session_state.pop(f"{key}-refused", None)
    if message is not None:
        st.session_state[f"{key}-refused"] = (message, time.monotonic())
    shown = st.session_state.get(f"{key}-refused")
    if shown and time.monotonic() - shown[1] < REFUSAL_S:
        st.warning(shown[0], icon=":material/hourglass_top:")


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
