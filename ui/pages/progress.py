"""The Progress page (/progress): your lessons, quiz scores, frequent mistakes and lab runs,
and where to continue. Only the signed-in learner's own data is read (Store.progress)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from engine.content.loader import load_course
from ui.components import identity, learner_summary
from ui.components.links import link_to


def render() -> None:
    from engine.progress.store import StoreError  # SQLAlchemy loads with this page, not with every page

    st.title("📈 Your progress")
    db = identity.store()
    if db is None:
        st.stop()
    try:
        _page(db)
    except StoreError as exc:  # the database went away after opening: say so, keep serving
        st.error(f"Your progress cannot be read right now. {exc}")


def _page(db) -> None:
    from engine.progress.records import next_lesson

    learner = identity.sign_in(db)
    if learner is None:
        st.stop()
    identity.show_identity(learner)
    mine, course = db.progress(learner.id), load_course()
    titles = {lesson.id: f"{lesson.order}. {lesson.title}" for lesson in course.lessons}
    st.subheader("Continue where you left off")
    upcoming = next_lesson(mine, [lesson.id for lesson in course.lessons])
    if upcoming:
        link_to(upcoming, f"Next lesson: {titles[upcoming]}")
    if mine.last_question:
        quiz_id, question_id = mine.last_question
        link_to(f"quiz-{quiz_id}", f"Back to quiz {quiz_id} (last answered: {question_id})")
    if not upcoming and not mine.last_question:
        st.success("Every lesson is done.")
    st.subheader("Lessons")
    done = [lesson_id for lesson_id in mine.lessons_done if lesson_id in titles]
    st.progress(len(done) / max(1, len(titles)), text=f"{len(done)} of {len(titles)} lessons done")
    st.dataframe([{"lesson": titles[i], "done": i in done} for i in titles], hide_index=True)
    st.subheader("Quiz scores")
    if mine.quizzes:
        st.dataframe([{"quiz": q.quiz_id, "questions tried": q.questions_tried, "answered correctly":
                       q.questions_correct, "attempts": q.attempts} for q in mine.quizzes], hide_index=True)
    else:
        st.caption("No quiz answers yet.")
    st.subheader("The mistakes you made most")
    if mine.mistakes:
        st.dataframe([{"mistake": m, "times": n, "what it means": fb} for m, n, fb in mine.mistakes], hide_index=True)
    else:
        st.caption("No named mistakes so far.")
    learner_summary.mastery_chart(course, db, learner.id)  # BKT mastery by skill, over time
    _lab_runs(mine.lab_runs)


def _lab_runs(runs: list[dict]) -> None:
    st.subheader("Your lab runs")
    if not runs:
        st.caption("No lab runs yet: the Lab page fine-tunes a small model with full fine-tuning, LoRA and QLoRA.")
        return
    rows = [{"when": f"{r['at']:%Y-%m-%d %H:%M} UTC", "method": r["method"],
             "seconds": r["measurements"].get("seconds"), "skill before": r["measurements"].get("skill_before"),
             "skill after": r["measurements"].get("skill_after"),
             "peak memory MiB": _mib(r["measurements"].get("peak_memory_bytes"))} for r in runs]
    st.dataframe(rows, hide_index=True)
    curves = [r for r in runs[:6] if r["measurements"].get("loss_curve")]
    if curves:
        figure = go.Figure([go.Scatter(y=r["measurements"]["loss_curve"], mode="lines",
                                       name=f"{r['method']} #{r['id']}") for r in curves])
        figure.update_layout(title="Training loss of your latest runs", xaxis_title="step",
                             yaxis_title="loss (cross-entropy, nats)", height=320)
        st.plotly_chart(figure, key="progress-loss")


def _mib(value) -> float | None:
    return round(value / 2**20, 1) if isinstance(value, (int, float)) else None  # bytes → MiB
