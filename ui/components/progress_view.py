"""The parts of the Progress page (/progress), in the words a learner reads: quizzes by title,
each mistake in its own text with the numbers of the question that showed it, lessons as a
checklist, and where to continue ("Back to Quiz: number formats"). Lists rather than wide
tables, so nothing is cut off at any width; only the lab runs, numbers side by side, stay a table."""

from __future__ import annotations

import pandas  # noqa: F401 - whole before any figure: see ui/__init__.py
import plotly.graph_objects as go
import streamlit as st

from engine.quiz.variants import render
from ui.components.links import link_to

_DONE = ":green[:material/check_circle:]"  # Material icons draw everywhere; emoji need an emoji font
_TODO = ":gray[:material/radio_button_unchecked:]"


def quiz_title(course, quiz_id: str) -> str:
    quiz = course.quizzes.get(quiz_id)
    return quiz.title if quiz else quiz_id


def continue_links(course, mine) -> None:
    from engine.progress.records import next_lesson

    st.header("Continue where you left off")
    titles = {lesson.id: f"{lesson.order}. {lesson.title}" for lesson in course.lessons}
    upcoming = next_lesson(mine, list(titles))
    if upcoming:
        link_to(upcoming, f"Next lesson: {titles[upcoming]}")
    if mine.last_question and mine.last_question[0] in course.quizzes:
        link_to(f"quiz-{mine.last_question[0]}", f"Back to {quiz_title(course, mine.last_question[0])}")
    if not upcoming and not mine.last_question:
        st.success("Every lesson is done.")


def lessons(course, mine) -> None:
    st.header("Lessons")
    done = [lesson.id for lesson in course.lessons if lesson.id in mine.lessons_done]
    st.progress(len(done) / max(1, len(course.lessons)), text=f"{len(done)} of {len(course.lessons)} lessons done")
    st.markdown("  \n".join(f"{_DONE if lesson.id in done else _TODO} {lesson.order}. {lesson.title}"
                            f"{' (done)' if lesson.id in done else ''}" for lesson in course.lessons))


def quizzes(course, mine) -> None:
    st.header("Quiz scores")
    if not mine.quizzes:
        st.caption("No quiz answers yet.")
        return
    for score in mine.quizzes:
        quiz = course.quizzes.get(score.quiz_id)
        if quiz:
            link_to(f"quiz-{score.quiz_id}", quiz.title)
            right = f"{score.questions_correct} of {_count(len(quiz.questions), 'question')}"
        else:
            st.markdown(f"**{score.quiz_id}**")
            right = str(score.questions_correct)
        st.caption(f"{right} answered correctly · {_count(score.questions_tried, 'question')} tried · "
                   f"{_count(score.attempts, 'attempt')}")


def mistakes(course, mine) -> None:
    st.header("The mistakes you made most")
    if not mine.mistakes:
        st.caption("No named mistakes so far.")
        return
    lines = []
    for mistake_id, times, feedback in mine.mistakes:
        text = mistake_text(course, mistake_id, mine.mistake_where.get(mistake_id)) or feedback
        lines.append(f"- **{_count(times, 'time')}:** {text}")
    st.markdown("\n".join(lines))


def mistake_text(course, mistake_id: str, where: tuple[str, str, dict] | None) -> str | None:
    """The mistake's own text, filled in with the numbers of the question that showed it; None when the
    content no longer has it (then the feedback the learner read stands in)."""
    if where is None:
        return None
    quiz_id, question_id, params = where
    quiz = course.quizzes.get(quiz_id)
    question = quiz.question(question_id) if quiz else None
    mistake = next((m for m in question.solution.common_mistakes if m.id == mistake_id), None) if question else None
    if mistake is None:
        return None
    try:
        return render(mistake.text, params)
    except Exception:  # noqa: BLE001 - numbers that no longer fit the content: the feedback stands in
        return None


def lab_runs(runs: list[dict]) -> None:
    st.header("Your lab runs")
    if not runs:
        st.caption("No lab runs yet: the Lab page fine-tunes a small model with full fine-tuning, LoRA and QLoRA.")
        return
    rows = [{"when (UTC)": f"{r['at']:%Y-%m-%d %H:%M}", "method": r["method"],
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


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _mib(value) -> float | None:
    return round(value / 2**20, 1) if isinstance(value, (int, float)) else None  # bytes → MiB
