"""ui/failsafe.py in the real app (AppTest): an unexpected error in a page is a message, never a traceback."""

from __future__ import annotations

import hashlib
import logging
import tomllib

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from tests.conftest import ROOT

SECRET = "/srv/lora-lab/secret_path.py"  # what a traceback or raw message would leak


def _broken_page():
    import streamlit as st

    st.title("Memory calculator")
    raise KeyError(SECRET)


def _open(url_path: str, *, secrets: dict | None = None, session: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    for key, value in (session or {}).items():
        at.session_state[key] = value
    at.run()
    at._page_hash = calc_hash(url_path)  # a deep link (see tests/apptest.py)
    return at.run()


def _everything_shown(at: AppTest) -> str:
    kinds = ("markdown", "error", "warning", "info", "code", "caption", "text", "exception", "title", "expander")
    return " ".join(str(getattr(e, "value", "")) + str(getattr(e, "label", "")) for k in kinds for e in at.get(k))


pytestmark = pytest.mark.page_error_expected  # tests/conftest.py fails any other test in which a page failed


@pytest.fixture
def broken_memory_page(monkeypatch):
    monkeypatch.delenv("INSTRUCTOR_PASSWORD", raising=False)
    monkeypatch.setattr("ui.pages.memory.render", _broken_page)


def test_a_page_that_raises_shows_a_message_and_no_traceback(broken_memory_page, caplog):
    with caplog.at_level(logging.ERROR, logger="lora_lab"):
        at = _open("memory")
    assert not at.exception  # nothing reached Streamlit's own error box
    [error] = at.error
    assert error.value.startswith("Something went wrong on this page. It has been logged (reference ")
    shown = _everything_shown(at)
    assert SECRET not in shown and "Traceback" not in shown and "KeyError" not in shown
    assert not at.expander  # no technical details for a learner
    assert at.title[0].value == "Memory calculator"  # what the page drew before failing stays
    assert any(SECRET in r.exc_text for r in caplog.records if r.exc_text)  # the server log has the traceback
    assert any(r.getMessage().startswith("the page /memory failed (reference ") for r in caplog.records)


def test_an_instructor_gets_the_traceback_in_an_expander(broken_memory_page):
    digest = hashlib.sha256(b"pw").hexdigest()
    at = _open("memory", secrets={"INSTRUCTOR_PASSWORD": "pw"}, session={"instructor_unlocked": digest})
    assert not at.exception
    [details] = at.expander
    assert details.label == "Technical details (shown to instructors only)"
    assert "Traceback" in at.code[0].value and SECRET in at.code[0].value


def test_the_other_pages_keep_working(broken_memory_page):
    at = _open("home")
    assert not at.exception and not at.error


def test_a_page_failure_fails_any_test_not_expecting_it(pytester):
    """tests/conftest.py: with the safety net, `not at.exception` alone would miss a broken page."""
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(test_x="""
        import logging

        def test_a_page_fails():
            try:
                raise KeyError("boom")
            except KeyError:
                logging.getLogger("lora_lab").exception("the page /x failed (reference 1)")
    """)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*a page failed (ui/failsafe.py logged it)*", "*KeyError: 'boom'*"])


def test_streamlit_shows_no_error_details_outside_pages():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
