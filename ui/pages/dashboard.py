"""The instructor dashboard (/instructor): what the class gets wrong, behind a password.

INSTRUCTOR_PASSWORD comes from st.secrets or the environment and is compared with
hmac.compare_digest (ui/components/instructor.py). No password configured: the page says it is
disabled. Learners see only the password prompt. Answer keys are never shown on the page; the QTI
package it offers for an LMS (ui/components/qti_export.py) carries them, as an LMS needs them.
"""

from __future__ import annotations

import pandas  # noqa: F401 - whole before any figure: see ui/__init__.py
import plotly.graph_objects as go
import streamlit as st

from engine.content.loader import load_course
from ui.components import class_queue, class_skills, identity, instructor, qti_export


def render() -> None:
    st.title("Instructor dashboard")
    expected = instructor.instructor_password()
    if not expected:
        st.info("The instructor dashboard is disabled: no INSTRUCTOR_PASSWORD is set in .streamlit/secrets.toml "
                "or the environment.")
        st.stop()
    instructor.instructor_gate(expected)
    from engine.progress.report import attempts_csv, class_report, quiz_results_by_lesson  # SQLAlchemy: this page only

    db = identity.store()
    if db is None:
        st.stop()
    try:
        report = class_report(db)
    except RuntimeError as exc:  # StoreError: the database went away after opening
        st.error(f"The class report cannot be read right now. {exc}")
        st.stop()
    left, right = st.columns(2)
    left.metric("Learners", report.learners)
    right.metric("Attempts", report.attempts)
    st.header("Per question")
    st.dataframe([{"quiz": q.quiz_id, "question": q.question_id, "attempts": q.attempts, "learners": q.learners,
                   "correct at first try": f"{q.first_try_correct:.0%}", "correct overall": f"{q.correct:.0%}",
                   "saw the solution first": f"{q.solution_first:.0%}"}
                  for q in report.questions], hide_index=True)
    keys = [(q.quiz_id, q.question_id) for q in report.questions]
    picked = st.selectbox("Look closer at", keys, format_func="/".join, index=0 if keys else None)
    if picked:
        st.markdown("**Most common wrong answers** (grouped by the parsed answer) and the mistake each was named as")
        st.dataframe([{"answer (as typed once)": w.example, "times": w.count, "named mistake": w.mistake_id or "—"}
                      for w in report.wrong_answers.get(picked, [])], hide_index=True)
        st.markdown("**Results by parameter value**")
        st.dataframe([{"parameter": p.param, "value": p.value, "attempts": p.attempts, "correct": f"{p.correct:.0%}"}
                      for p in report.by_param.get(picked, [])], hide_index=True)
    st.header("Named mistakes across the class")
    if report.mistakes:
        figure = go.Figure(go.Bar(x=[m[0] for m in report.mistakes], y=[m[1] for m in report.mistakes],
                                  customdata=[m[2] for m in report.mistakes],
                                  hovertemplate="%{x}: %{y} times by %{customdata} learners<extra></extra>"))
        figure.update_layout(xaxis_title="named mistake", yaxis_title="attempts", height=360)
        st.plotly_chart(figure, key="class-mistakes")
    st.header("How each lesson is going")
    course = load_course()
    quizzes = quiz_results_by_lesson(report, {q.id: q.lesson for q in course.quizzes.values() if q.lesson})
    st.dataframe([{"lesson": f"{lesson.order}. {lesson.title}", "finished by": report.lessons.get(lesson.id, 0),
                   "its quiz: attempts": quizzes.get(lesson.id, (0, 0))[0],
                   "its quiz: right at first try": f"{quizzes[lesson.id][1]:.0%}" if lesson.id in quizzes else "—"}
                  for lesson in course.lessons], hide_index=True)
    class_skills.render(db, course, report)  # fitted parameters, the hardest skills, Refit
    st.download_button("Download every attempt (CSV)", data=lambda: attempts_csv(db), file_name="attempts.csv",
                       mime="text/csv", on_click="ignore")
    try:
        class_queue.render(db)
    except RuntimeError as exc:  # StoreError
        st.error(f"The lab queue cannot be read right now. {exc}")
    qti_export.render(course)
