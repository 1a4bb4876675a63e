"""The class's lab queue on the instructor dashboard: how many runs wait, run, finished or
failed in the last day, the wait before a run starts (median and 95th percentile), and
every run still waiting or running, with whose it is. Read from the job records in the
progress database (engine/progress/jobs.py), so it shows every app replica's runs, on
either backend."""

from __future__ import annotations

import time

import streamlit as st

DAY_S = 24 * 3600


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of sorted `values` (q in 0..100), None when empty."""
    if not values:
        return None
    return values[min(len(values) - 1, max(0, round(q / 100 * len(values) + 0.5) - 1))]


def _who(db, owner: str) -> str:
    if owner.startswith("learner-") and owner[8:].isdigit():
        learner = db.learner_by_id(int(owner[8:]))
        return learner.name if learner else owner
    return "guest (not signed in)"


def render(db) -> None:
    from engine.progress.jobs import JobStore

    st.header("Lab queue (last 24 hours)")
    summary = JobStore(db).summary(since=time.time() - DAY_S)
    counts, waits = summary["counts"], summary["waits"]
    cells = st.columns(6)
    cells[0].metric("Waiting", counts["queued"])
    cells[1].metric("Running", counts["running"])
    cells[2].metric("Done", counts["done"])
    cells[3].metric("Failed", counts["failed"], help=f"{counts['cancelled']} more were cancelled")
    median, p95 = percentile(waits, 50), percentile(waits, 95)
    cells[4].metric("Wait before start", "—" if median is None else f"{median:.0f} s",
                    help="median over started runs; 95th percentile: " + ("—" if p95 is None else f"{p95:.0f} s"))
    cells[5].metric("Longest wait now", f"{summary['longest_waiting_s']:.0f} s")
    now = time.time()
    live = [j for j in summary["jobs"] if not j.finished]
    if not live:
        st.caption("No lab run is waiting or running.")
        return
    st.dataframe([{"learner": _who(db, j.owner), "run": j.label, "state": j.state, "backend": j.backend,
                   "waiting (s)": round((j.started_at or now) - j.submitted_at),
                   "running (s)": round(now - j.started_at) if j.started_at else None,
                   "step": f"{j.progress.get('step', 0)} of {j.progress.get('steps', '?')}" if j.progress else "—",
                   "asks for": ", ".join(f"{k} {v:g}" for k, v in j.resources.items()) or "one local slot"}
                  for j in live], hide_index=True)
