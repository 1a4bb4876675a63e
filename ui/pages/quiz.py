"""A quiz page: every question of one quiz file, deep-linkable at /quiz-<quiz-id>."""

from __future__ import annotations

import streamlit as st

from engine.content.loader import load_course
from ui.components.links import link_to
from ui.components.question import attempts_of, render_numbered


def quiz_pages(course) -> list[st.Page]:
    """One page per loaded quiz, for ui/navigation.py's extra_pages()."""
    def order(quiz) -> tuple:
        lesson = course.lesson(quiz.lesson) if quiz.lesson else None
        return (lesson.order if lesson else 999, quiz.title)

    return [_page(quiz.id, quiz.title) for quiz in sorted(course.quizzes.values(), key=order)]


def _page(quiz_id: str, title: str) -> st.Page:
    def page() -> None:
        render(quiz_id)

    page.__name__ = f"quiz_{quiz_id.replace('-', '_')}"
    return st.Page(page, title=title, icon=":material/quiz:", url_path=f"quiz-{quiz_id}")


def render(quiz_id: str) -> None:
    course = load_course()
    quiz = course.quizzes.get(quiz_id)
    if quiz is None:
        st.error(f"Quiz '{quiz_id}' could not be loaded; `python -m engine validate` says why.")
        st.stop()
    st.title(quiz.title)
    if quiz.description:
        st.markdown(quiz.description)
    if quiz.lesson and course.lesson(quiz.lesson):
        link_to(quiz.lesson, f"Lesson: {course.lesson(quiz.lesson).title}")
    bar = st.empty()  # filled after the questions, so it counts an answer graded in this run
    for number, question in enumerate(quiz.questions, start=1):
        render_numbered(quiz, question, f"quiz-{quiz.id}", number)
    done = sum(any(a["correct"] for a in attempts_of(quiz.id, q.id)) for q in quiz.questions)
    bar.progress(done / len(quiz.questions), text=f"{done} of {len(quiz.questions)} answered correctly")
