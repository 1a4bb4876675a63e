"""A learner's lab runs in AppTest (ui/components/lab_queue.py): Start pressed again and again is
capped, a reload finds every run again, and one button cancels them all (issue 14, item 3); many
tabs without sign-in share their address's cap, a server may require sign-in, and a signed-in
learner never sees the runs of a token in the URL (issue 21)."""

from __future__ import annotations

import uuid

import pytest
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


# ---- issue 21: caps one person cannot multiply, and whose runs a link shows -----------------------
@pytest.fixture
def queue_from_env():
    """The server's queue built afresh from this test's environment (its caps are read when it starts),
    and every run it holds cancelled afterwards."""
    from ui.components.lab_panel import job_queue

    job_queue.clear()
    yield job_queue
    queue = job_queue()
    for job in queue.jobs():
        queue.cancel(job.id)
    job_queue.clear()


def test_many_tabs_without_sign_in_share_one_addresss_cap(fake_target, monkeypatch, queue_from_env):  # noqa: F811
    """Issue 21: 12 browser contexts at /lab with no ?lab= queued 36 long runs; a token per tab is free,
    so runs of people not signed in also count against their address."""
    from ui.components import identity

    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"  # this test's own: others' runs from 127.0.0.1 do not count
    monkeypatch.setattr(identity, "client_keys", lambda: {"session": uuid.uuid4().hex, "address": address,
                                                          "server": "all"})
    monkeypatch.setenv("LORA_LAB_MAX_QUEUED_PER_ADDRESS", "3")
    tabs = [_start(open_page("lab"), model="wait-for-cancel", steps=2) for _ in range(4)]
    assert "lab-page-jobs" in tabs[0].session_state  # the first tab's three runs
    for tab in tabs[1:]:
        assert "lab-page-jobs" not in tab.session_state
        assert "from your network, by people who have not signed in" in tab.warning[0].value
    assert len([j for j in queue_from_env().jobs() if not j.finished]) == 3
    assert any("anyone who opens this address sees them" in c.value for c in tabs[0].caption)  # what the token means


def test_a_server_may_run_the_lab_for_signed_in_learners_only(fake_target, monkeypatch, queue_from_env):  # noqa: F811
    from engine.progress.store import Store

    monkeypatch.setenv("LORA_LAB_REQUIRE_SIGN_IN", "1")
    at = _start(open_page("lab"), model="wait-for-cancel", steps=2)
    assert "for signed-in learners" in at.info[0].value
    assert "signed-in learners only" in at.warning[0].value and "lab-page-jobs" not in at.session_state
    ana = Store().learner("Ana")
    signed_in = open_page("lab")
    signed_in.session_state["learner_code"] = ana.code
    signed_in = _start(signed_in, model="wait-for-cancel", steps=2)
    assert signed_in.session_state["lab-page-jobs"] and not signed_in.warning


def test_a_signed_in_learner_never_sees_the_runs_of_a_token_in_the_url(fake_target, queue_from_env):  # noqa: F811
    """Issue 21: opening another person's /lab?lab=<token> showed their runs and let Cancel reach them."""
    from engine.progress.store import Store

    stranger = _start(open_page("lab"), methods=("lora",), model="wait-for-cancel", steps=2)
    token = stranger.session_state["lab_token"]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lab"] = token
    at.session_state["learner_code"] = Store().learner("Ben").code
    at.run()
    at._page_hash = calc_hash("lab")
    at.run()
    assert not [m.value for m in at.markdown if " · " in m.value]  # none of the stranger's runs
    assert "lab" not in at.query_params  # and the token is gone from the address


def test_a_refusal_outlives_the_rerun_that_a_starting_run_makes(fake_target, queue_from_env):  # noqa: F811
    """A run that starts while Start is refused reruns the page (lab_progress.py); the cap's message must
    still be there, or the learner never learns why nothing was queued."""
    at = _start(open_page("lab"), model="wait-for-cancel", steps=2)
    at = _start(at, model="wait-for-cancel", steps=2)
    assert "the limit is 3 at once per learner" in at.warning[0].value
    at.run()  # the rerun, with Start not pressed
    assert "the limit is 3 at once per learner" in at.warning[0].value
