"""Adaptive practice in a real browser against `streamlit run app.py`:

1. a learner signs in on "Practice my weak spots", answers a quiz question with bits where
   bytes were asked, comes back, and the page picks a question training units, saying why;
2. a lab run's own figures appear in a question on the Lab page, which is graded.

Expected answers are computed from the numbers the page shows. Screenshots go to
artifacts/screenshots/practice-*.png."""

from __future__ import annotations

import re

import pytest

from tests.browser import browser_page, require_browser, screenshot, streamlit_server

pytestmark = pytest.mark.slow


def sidebar_link(page, title: str):
    """Navigate inside the app (the session, and so the sign-in, is kept), as a learner clicks."""
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=title).click()


def test_the_weak_spots_page_trains_the_skill_behind_the_mistake_just_made(tmp_path):
    from playwright.sync_api import expect

    require_browser()
    with streamlit_server({"LORA_LAB_DATA": str(tmp_path), "DATABASE_URL": ""}) as base, browser_page() as page:
        page.goto(f"{base}/practice")
        page.get_by_role("heading", name="Practice my weak spots").wait_for()
        page.get_by_label("Display name").fill("Ana")
        page.get_by_role("button", name="Start").click()
        expect(page.get_by_text("Why this question:")).to_be_visible()  # a first pick, before any answer

        sidebar_link(page, "Quiz: number formats and quantization")
        box = page.get_by_role("heading", name="Question 1", exact=True).locator(
            "xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")
        prompt = box.get_by_text(re.compile("billion parameters stored in")).inner_text()
        params_b, bits = re.search(r"has ([\d.]+) billion parameters stored in (\d+) bits", prompt).groups()
        bits_as_bytes = float(params_b) * int(bits)  # GB if each bit were a byte: the slip, 8 times the answer
        box.get_by_role("textbox", name="Your answer", exact=True).fill(f"{bits_as_bytes:g} GB")
        box.get_by_role("button", name="Submit").click()
        expect(box.get_by_text("bits as bytes").first).to_be_visible()

        sidebar_link(page, "Practice my weak spots")
        why = page.get_by_test_id("stAlert").filter(has_text="Why this question:")
        expect(why).to_contain_text("You just named bits as bytes (once so far)")
        expect(why).to_contain_text("Units: bits, bytes, GB and GiB")
        expect(page.get_by_text(re.compile("^Trains: .*Units: bits, bytes, GB and GiB"))).to_be_visible()
        expect(page.get_by_text(re.compile("billion parameters stored in"))).to_have_count(0)  # not the same one
        screenshot(page, "practice-after-a-mistake")


def test_a_lab_runs_numbers_appear_in_a_graded_question(tmp_path):
    from playwright.sync_api import expect

    require_browser()
    env = {"LORA_LAB_JOB_TARGET": "tests.ui.test_lab_page:fake_run_lab", "LORA_LAB_RUNS": str(tmp_path)}
    with streamlit_server(env) as base, browser_page() as page:
        page.goto(f"{base}/lab")
        page.get_by_role("button", name="Start").click()
        page.get_by_role("heading", name="Questions about your run").wait_for(timeout=90_000)
        box = page.get_by_role("heading", name="Question 1", exact=True).locator(
            "xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")
        prompt = box.get_by_text(re.compile("Your run trained")).inner_text()
        found = re.search(r"trained ([\d,]+) of the ([\d,]+) parameters PEFT counts", prompt)
        trainable, total = (int(n.replace(",", "")) for n in found.groups())
        assert (trainable, total) == (40, 1040)  # the stand-in run's own figures (tests/ui/test_lab_page.py)
        box.get_by_role("textbox", name="Your answer", exact=True).fill(f"{100 * trainable / total:.2f}")
        box.get_by_role("button", name="Submit").click()
        expect(page.get_by_text("Correct: 3.85%.")).to_be_visible()  # round(100 * 40 / 1040, 2), a percent
        expect(page.get_by_text("Solution", exact=True)).to_be_visible()  # opens on a right answer only
        screenshot(page, "practice-lab-run-question")
