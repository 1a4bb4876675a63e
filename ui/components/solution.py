"""Feedback on an attempt, and the worked solution laid out as on the seed page (ui/components/question.py calls both)."""

from __future__ import annotations

import streamlit as st

from engine.quiz.result import GradeResult
from engine.quiz.variants import render

# Material icons, not emoji: emoji draw as empty boxes where no emoji font is installed.
_MARK = {True: ":green[:material/check_circle:]", False: ":red[:material/cancel:]"}


def render_feedback(result: GradeResult) -> None:
    """The grade in words. The mistake id stays in the recorded attempt; the learner reads its name."""
    if result.correct:
        show, icon, text = st.success, ":material/check_circle:", result.feedback
    elif result.score > 0:
        show, icon, text = st.warning, ":material/rule:", f"Partly right (score {result.score:.0%}). {result.feedback}"
    else:
        show, icon, text = st.error, ":material/cancel:", result.feedback
    # Choice feedback marks each picked option itself (✓/✗, engine/quiz/types/choice.py); a second tick is noise.
    show(text, icon=None if "✓" in text or "✗" in text else icon)
    for mark in result.steps:
        st.markdown(f"{_MARK[mark.correct]} **Step {mark.step}** `{mark.line}`: {mark.feedback}")


def render_solution(question, variant) -> None:
    from engine.quiz.answer_key import solution_values

    values = solution_values(question, variant)  # the params, and {answer}: a choice's letters as shown
    with st.expander("Solution", expanded=True):
        for step in question.solution.steps:
            st.markdown(render(step, values))
        st.markdown(f"**Final Answer:** {render(question.solution.final_answer, values)}")
        checks = [render(question.solution.quick_check, values)] if question.solution.quick_check else []
        checks += _check_lines(question, variant)
        if checks:
            st.markdown("**Quick Check:** " + "  \n".join(checks))
        if question.solution.common_mistakes:
            st.markdown("**Common mistakes**")
            st.markdown("\n".join(f"- {render(m.text, values)}" for m in question.solution.common_mistakes))


def _check_lines(question, variant) -> list[str]:
    """The question's `checks`, filled in for this variant (engine/quiz/checks.py)."""
    from engine.quiz.answer_key import variant_for
    from engine.quiz.checks import check_lines

    if not question.checks:
        return []
    try:
        return check_lines(question, variant, variant_for(question, variant.seed)[1])
    except Exception:  # noqa: BLE001 - a check that cannot be shown must not hide the rest of the solution
        return []
