"""A learner's lab runs in AppTest (ui/components/lab_queue.py): Start pressed again and again is
capped, a reload finds every run again, and one button cancels them all (issue 14, item 3)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from tests.apptest import open_page
from tests.conftest import ROOT
from tests.ui.test_lab_page import (  # noqa: F401 - fixtures
    _start,
    fake_target,
    lab_lesson_only,
    own_database,
)


def _reload(token: str) -> AppTest:
    """The same browser tab reloaded: a new session, the same URL (?lab=token)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lab"] = token
    at.run()
    at._page_hash = calc_hash("lab")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_start_again_and_again_is_capped_and_a_reload_finds_and_cancels_every_run(fake_target):  # noqa: F811
    from ui.components.lab_panel import job_queue

    at = _start(open_page("lab"), model="wait-for-cancel", steps=2)
    first = at.session_state["lab-page-jobs"]
    for _ in range(7):  # the flood of clicks from the issue: 8 presses of Start
        at = _start(at, model="wait-for-cancel", steps=2)
        assert not at.exception
        assert "the limit is 3 at once per learner" in at.warning[0].value
    token = at.session_state["lab_token"]
    assert at.query_params["lab"] in (token, [token])  # in the URL, so a reload keeps it
    queue = job_queue()
    mine = queue.jobs(owner=f"session-{token}")
    assert sorted(j.id for j in mine) == sorted(first.values())  # three runs, not twenty-four

    again = _reload(token)
    shown = [m.value for m in again.markdown if " · " in m.value]
    assert len(shown) == 3 and all(s.split(" · ")[1] in ("queued", "running") for s in shown)
    next(b for b in again.button if b.label == "Cancel all my runs (3)").click()
    again.run()
    assert all(queue.wait(job_id, 30).state == "cancelled" for job_id in first.values())
