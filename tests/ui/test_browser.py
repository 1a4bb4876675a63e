"""The app as a learner uses it: a real server, a real Chromium, clicks and deep links."""

from __future__ import annotations

import pytest

from engine.content.loader import load_course
from tests.browser import browser_page, require_browser, screenshot, streamlit_server

pytestmark = pytest.mark.slow


def first_line(lesson) -> str:
    """A line of the lesson's own text that the page must show."""
    return lesson.summary.split(". ")[0][:60]


def test_open_lessons_from_the_sidebar_and_by_deep_link():
    require_browser()
    lessons = load_course().lessons
    by_sidebar, by_link = lessons[0], lessons[-1]
    with streamlit_server() as base, browser_page() as page:
        page.goto(base)
        page.get_by_role("heading", name="LoRA Lab").wait_for()
        sidebar = page.get_by_test_id("stSidebar")
        sidebar.get_by_role("link", name=f"{by_sidebar.order}. {by_sidebar.title}").click()
        page.get_by_role("heading", name=by_sidebar.title, exact=True).first.wait_for()
        page.get_by_text(first_line(by_sidebar)).first.wait_for()
        assert page.url.rstrip("/").endswith(f"/{by_sidebar.id}")
        screenshot(page, f"lesson-{by_sidebar.id}")

        page.goto(f"{base}/{by_link.id}")
        page.get_by_role("heading", name=by_link.title, exact=True).first.wait_for()
        page.get_by_text(first_line(by_link)).first.wait_for()
        shot = screenshot(page, f"lesson-{by_link.id}")
        assert shot.stat().st_size > 10_000
