"""The app's pages, by sidebar section: Home, the lessons in order, then feature pages.

The only module that imports the pages (ui/pages/); pages reach each other through
ui/components/links.py, which imports none of them."""

from __future__ import annotations

import streamlit as st

from engine.content.loader import Course
from ui.components import links
from ui.pages import home, lab, lesson, memory


def _lesson_page(lesson_id: str, title: str, order: int) -> st.Page:
    def page() -> None:
        lesson.render(lesson_id)

    page.__name__ = f"lesson_{lesson_id.replace('-', '_')}"
    return st.Page(page, title=f"{order}. {title}", url_path=lesson_id)


def extra_pages(course: Course) -> dict[str, list[st.Page]]:
    """Feature pages by sidebar section. Each feature adds its page(s) here in one line."""
    sections: dict[str, list[st.Page]] = {"Practice": [], "Tools": []}
    from ui.pages.quiz import quiz_pages  # one page per quiz file, at /quiz-<quiz-id>

    from ui.pages import practice

    sections["Practice"].append(st.Page(practice.render, title="Practice my weak spots", icon=":material/target:",
                                        url_path="practice"))
    sections["Practice"] += quiz_pages(course)
    sections["Tools"].append(st.Page(lab.render, title="Lab: fine-tune live", icon=":material/science:", url_path="lab"))
    sections["Tools"].append(st.Page(memory.render, title="Memory calculator", icon=":material/memory:", url_path="memory"))
    from ui.pages import (
        dashboard,
        progress,  # learner progress at /progress; instructor dashboard at /instructor
    )

    sections["Tools"] += [
        st.Page(progress.render, title="Your progress", icon=":material/trending_up:", url_path="progress"),
        st.Page(dashboard.render, title="Instructor dashboard", icon=":material/school:", url_path="instructor")]
    return sections


def build_navigation(course: Course) -> dict[str, list[st.Page]]:
    pages = {
        "": [st.Page(home.render, title="Home", icon=":material/home:", url_path="home", default=True)],
        "Lessons": [_lesson_page(item.id, item.title, item.order) for item in course.lessons],
    }
    for name, items in extra_pages(course).items():
        if items:
            pages[name] = items
    links.register(pages)  # so pages can link to each other with st.page_link
    return pages
