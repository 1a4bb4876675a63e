"""Home: the course map, with each lesson's summary, time and prerequisites."""

from __future__ import annotations

import streamlit as st

from engine.content.loader import load_course
from ui.components import learner_summary
from ui.components.links import link_to
from ui.components.problems import render_problems


def render() -> None:
    course = load_course()
    st.title("LoRA Lab")
    st.markdown(
        "Teach a large model new skills by training a small add-on. "
        "Lessons with live plots, practice that checks your working, "
        "and a real QLoRA fine-tune you can run right here."
    )
    render_problems(course.problems, expanded=True)
    if not course.lessons:
        st.warning("No lesson could be loaded. Add YAML files to `lessons/` and check them with `python -m engine validate`.")
        st.stop()
    titles = {item.id: item.title for item in course.lessons}
    states = learner_summary.lesson_states(course)  # {} unless a learner is signed in
    total = sum(item.estimated_minutes for item in course.lessons)
    st.header(f"Course map · {len(course.lessons)} lessons · about {total} minutes")
    for item in course.lessons:
        with st.container(border=True):
            left, right = st.columns([5, 1])
            left.markdown(f"### {item.order}. {item.title}")
            if states:
                left.markdown(f"**{learner_summary.state_label(states[item.id])}**")
            left.markdown(item.summary)
            if item.prerequisites:
                left.caption("Before this: " + ", ".join(titles.get(p, p) for p in item.prerequisites))
            right.metric("Minutes", item.estimated_minutes)
            with right:
                link_to(item.id, "Open lesson →")
    learner_summary.home_mastery(course)
