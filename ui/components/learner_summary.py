"""The signed-in learner's standing, for Home, Progress and Practice: each lesson's state,
mastery by skill (Bayesian Knowledge Tracing, engine/practice/mastery.py) and mastery
over time. Shows nothing when nobody is signed in, and reads the database only then."""

from __future__ import annotations

import streamlit as st

from ui.components import identity
from ui.components.links import link_to

# Material icons ship with Streamlit's font, so they draw on every machine (emoji need an emoji font).
STATE_ICONS = {"not started": ":gray[:material/radio_button_unchecked:]", "in progress": ":orange[:material/timelapse:]",
               "done": ":green[:material/check_circle:]"}


def signed_in():
    """(store, learner), or (None, None) without touching the database when nobody signed in."""
    if not identity.has_sign_in():
        return None, None
    from engine.progress.store import StoreError

    db = identity.store()
    try:
        learner = identity.current_learner(db) if db else None
    except StoreError:
        return None, None
    return (db, learner) if learner else (None, None)


def lesson_states(course) -> dict[str, str]:
    """lesson id -> state for the signed-in learner; {} when nobody is signed in."""
    db, learner = signed_in()
    if learner is None:
        return {}
    from engine.practice.history import attempts_of
    from engine.practice.summary import lesson_states as states
    from engine.progress.store import StoreError

    try:
        return states(course, db.progress(learner.id), attempts_of(db, learner.id))
    except StoreError as exc:  # Home keeps serving the course map
        st.warning(f"Your progress cannot be read right now. {exc}")
        return {}


def state_label(state: str) -> str:
    return f"{STATE_ICONS.get(state, '')} {state}"


def mastery_table(catalogue, db, learner_id: int) -> None:
    from engine.practice.history import attempts_of
    from engine.practice.summary import mastery_rows

    rows = mastery_rows(catalogue, attempts_of(db, learner_id))
    if not rows:
        st.caption("No answers yet: mastery shows once you answer questions.")
        return
    st.dataframe(rows, hide_index=True, column_config={"mastery": st.column_config.ProgressColumn(
        "mastery", help="P(known), Bayesian Knowledge Tracing", min_value=0.0, max_value=1.0, format="percent")})


def home_mastery(course) -> None:
    """Home: mastery by skill, and a link to practise the weak spots."""
    db, learner = signed_in()
    if learner is None:
        return
    from engine.practice.catalogue import build
    from engine.progress.store import StoreError

    st.header("Your mastery by skill")
    try:
        mastery_table(build(course), db, learner.id)
    except StoreError as exc:
        st.warning(f"Your mastery cannot be read right now. {exc}")
    link_to("practice", "Practice my weak spots →")


def mastery_chart(course, db, learner_id: int) -> None:
    """Progress: P(known) of each skill after each answer, over time (plotly)."""
    import pandas  # noqa: F401 - whole before any figure: see ui/__init__.py
    import plotly.graph_objects as go

    from engine.practice.catalogue import build
    from engine.practice.history import attempts_of
    from engine.practice.summary import mastery_timeline

    st.header("Mastery over time")
    series = mastery_timeline(build(course), attempts_of(db, learner_id))
    if not series:
        st.caption("No answers yet.")
        return
    figure = go.Figure([go.Scatter(x=[t for t, _ in points], y=[p for _, p in points], mode="lines+markers",
                                   name=skill, line_shape="hv") for skill, points in series.items()])
    figure.update_layout(xaxis_title="when (UTC)", yaxis_title="P(known), BKT", yaxis_range=[0, 1], height=360)
    st.plotly_chart(figure, key="progress-mastery")
