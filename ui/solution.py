"""Feedback on an attempt, and the worked solution laid out as on the seed page."""

from __future__ import annotations

import streamlit as st

from engine.grading import GradeResult
from engine.variants import render


def render_feedback(result: GradeResult) -> None:
    if result.correct:
        st.success(f"✅ {result.feedback}")
    elif result.score > 0:
        st.warning(f"Partly right (score {result.score:.0%}). {result.feedback}")
    else:
        st.error(f"❌ {result.feedback}")
    if result.mistake_id:
        st.caption(f"Mistake: `{result.mistake_id}`")
    for mark in result.steps:
        icon = "✅" if mark.correct else "❌"
        st.markdown(f"{icon} **Step {mark.step}** `{mark.line}`: {mark.feedback}")


def render_solution(question, variant) -> None:
    values = variant.values
    with st.expander("Solution", expanded=True):
        for step in question.solution.steps:
            st.markdown(render(step, values))
        st.markdown(f"**Final Answer:** {render(question.solution.final_answer, values)}")
        if question.solution.quick_check:
            st.markdown(f"**Quick Check:** {render(question.solution.quick_check, values)}")
        if question.solution.common_mistakes:
            st.markdown("**Common mistakes**")
            st.markdown("\n".join(f"- {render(m.text, values)}" for m in question.solution.common_mistakes))
