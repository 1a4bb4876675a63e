"""The lab in a real browser against `streamlit run app.py`: open /lab, start a run,
watch it finish, see the loss chart and the results.

The server runs the fast stand-in job function from tests/ui/test_lab_page.py (through
LORA_LAB_JOB_TARGET), so this checks the real server's job queue and worker processes
(spawned from inside Streamlit) and the page, not training."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, require_browser, screenshot, streamlit_server

pytestmark = pytest.mark.slow


def test_start_a_comparison_and_see_the_loss_chart_and_results(tmp_path):
    require_browser()
    env = {"LORA_LAB_JOB_TARGET": "tests.ui.test_lab_page:fake_run_lab", "LORA_LAB_RUNS": str(tmp_path)}
    with streamlit_server(env) as base, browser_page() as page:
        page.goto(f"{base}/lab")
        page.get_by_role("heading", name="Lab: teach a small model new words").wait_for()
        page.get_by_role("button", name="Start").click()
        page.get_by_role("heading", name="Results").wait_for(timeout=90_000)
        page.get_by_text("Training loss").first.wait_for()  # the plotly loss chart's title
        page.get_by_text("Memory").first.wait_for()
        page.get_by_role("tab", name="qlora: code and adapter").click()
        page.get_by_role("button", name="Download the qlora adapter").wait_for()
        for method in ("full", "lora", "qlora"):
            assert page.get_by_text(f"{method} · done", exact=True).count() == 1
        shot = screenshot(page, "lab-results")
        assert shot.stat().st_size > 10_000
