"""A lesson page: title, summary, its sections in order, sources, and the way on."""

from __future__ import annotations

import logging

import streamlit as st

from engine.content.loader import load_course
from engine.content.markup import citation
from ui.components.identity import lesson_done_button
from ui.components.links import link_to
from ui.components.problems import render_problems
from ui.components.sections import render_section


def render(lesson_id: str) -> None:
    course = load_course()
    lesson = course.lesson(lesson_id)
    if lesson is None:
        st.error(f"Lesson '{lesson_id}' could not be loaded; its file has errors.")
        render_problems(course.problems, expanded=True)
        st.stop()
    st.title(lesson.title)
    st.caption(f"Lesson {lesson.order} · about {lesson.estimated_minutes} minutes")
    st.markdown(lesson.summary)
    mine = [p for p in course.problems if p.file.endswith(course.files[lesson.id].name)]
    render_problems(mine)
    references, number = {ref.id: ref for ref in lesson.references}, 1
    for index, section in enumerate(lesson.sections):
        number += _render_guarded(section, f"{lesson.id}-{index}", references, number)
    if lesson.references:
        st.divider()
        st.markdown("**Sources**")
        st.markdown("\n".join(f"- {citation(ref.title, ref.url)}" for ref in lesson.references))
    lesson_done_button(lesson.id)  # progress store: mark done when signed in
    _next_steps(course, lesson)


def _render_guarded(section, key: str, references: dict, number: int) -> int:
    """One section (its questions numbered from `number`; returns how many); if it fails, say so in its
    place and render the rest (details go to the server log)."""
    try:
        return render_section(section, key=key, references=references, number_from=number)
    except Exception:  # noqa: BLE001 - a learner never sees a traceback; Streamlit's st.stop/rerun are BaseExceptions
        logging.getLogger(__name__).exception("section %s failed to render", key)
        st.error("This part of the lesson could not be shown. The rest of the lesson works.", icon=":material/error:")
        return 0


def _next_steps(course, lesson) -> None:
    position = [item.id for item in course.lessons].index(lesson.id)
    previous = course.lessons[position - 1] if position > 0 else None
    following = course.lessons[position + 1] if position + 1 < len(course.lessons) else None
    st.divider()
    left, right = st.columns(2)
    with left:
        if previous:
            link_to(previous.id, f"← {previous.order}. {previous.title}")
    with right:
        if following:
            link_to(following.id, f"{following.order}. {following.title} →")
