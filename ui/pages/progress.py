"""The Progress page (/progress): where to continue, your lessons, quiz scores, frequent mistakes
and lab runs. Only the signed-in learner's own data is read (Store.progress); the parts are in
ui/components/progress_view.py."""

from __future__ import annotations

import streamlit as st

from engine.content.loader import load_course
from ui.components import identity, learner_summary, progress_view


def render() -> None:
    from engine.progress.store import StoreError  # SQLAlchemy loads with this page, not with every page

    st.title("Your progress")
    db = identity.store()
    if db is None:
        st.stop()
    try:
        _page(db)
    except StoreError as exc:  # the database went away after opening: say so, keep serving
        st.error(f"Your progress cannot be read right now. {exc}")


def _page(db) -> None:
    learner = identity.sign_in(db)
    if learner is None:
        st.stop()
    identity.show_identity(learner)
    mine, course = db.progress(learner.id), load_course()
    progress_view.continue_links(course, mine)
    progress_view.lessons(course, mine)
    progress_view.quizzes(course, mine)
    progress_view.mistakes(course, mine)
    learner_summary.mastery_chart(course, db, learner.id)  # BKT mastery by skill, over time
    progress_view.lab_runs(mine.lab_runs)
