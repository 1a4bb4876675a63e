"""The signed-in learner's standing, for Home, Progress and Practice: each lesson's state,
mastery by skill (Bayesian Knowledge Tracing with forgetting, engine/practice/mastery.py)
and mastery over time, each saying what its figure means. Shows nothing when nobody is
signed in, and reads the database only then."""

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


MEANING = ("**Known now** is the chance that you have the skill today, estimated from your first answer to each "
           "question variant (Bayesian Knowledge Tracing) and lowered for the days since you last practised it "
           "(FSRS forgetting). A skill is **mastered** at 95% after at least {n} answers; before {n} it is too early "
           "to say, however high the figure.")


def mastery_table(catalogue, db, learner_id: int) -> None:
    from engine.practice.history import attempts_of
    from engine.practice.model import MIN_EVIDENCE
    from engine.practice.parameters import load_model
    from engine.practice.summary import mastery_rows

    model = load_model(db)
    rows = mastery_rows(catalogue, attempts_of(db, learner_id), model=model)
    if not rows:
        st.caption("No answers yet: mastery shows once you answer questions.")
        return
    st.dataframe(rows, hide_index=True, column_config={"known now": st.column_config.ProgressColumn(
        "known now", help="the chance you have this skill today", min_value=0.0, max_value=1.0, format="percent")})
    fitted = (f"with parameters fitted from the class's answers on {model.fitted_at:%Y-%m-%d}" if model.fitted_at
              else "with default parameters (none fitted from the class yet)")
    st.caption(MEANING.format(n=MIN_EVIDENCE) + f" Estimated {fitted}.")


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
    """Progress: each skill known now, and P(known) after each answer over time (plotly)."""
    import pandas  # noqa: F401 - whole before any figure: see ui/__init__.py
    import plotly.graph_objects as go

    from engine.practice.catalogue import build
    from engine.practice.history import attempts_of
    from engine.practice.parameters import load_model
    from engine.practice.summary import mastery_timeline

    catalogue = build(course)
    st.header("Your mastery by skill")
    mastery_table(catalogue, db, learner_id)
    series = mastery_timeline(catalogue, attempts_of(db, learner_id), model=load_model(db))
    if not series:
        return
    st.markdown("**Mastery over time**")
    figure = go.Figure([go.Scatter(x=[t for t, _ in points], y=[p for _, p in points], mode="lines+markers",
                                   name=skill, line_shape="hv") for skill, points in series.items()])
    figure.update_layout(xaxis_title="when (UTC)", yaxis_title="P(known) after each answer, BKT", yaxis_range=[0, 1],
                         height=360)
    st.plotly_chart(figure, key="progress-mastery")
    st.caption("Each point is the chance you had the skill just after an answer (Bayesian Knowledge Tracing). "
               "It drops after a wrong answer, and at the first answer of a later day by what you are likely "
               "to have forgotten meanwhile; the table above gives the figure for today.")
