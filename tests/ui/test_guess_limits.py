"""Guesses are limited (issue 14, item 7): wrong instructor passwords and learner codes lock a
session and a client address out for a while; a blank password leaves the dashboard disabled.
The limiter itself is engine/progress/throttle.py (tests/progress/test_throttle.py)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.ui.test_progress_pages import _digest, db, frames, page  # noqa: F401, F811 (db: a fixture)
from ui.components.identity import CODE_KEY


@pytest.fixture
def fresh_limits(monkeypatch):
    from ui.components import identity

    for name in ("LORA_LAB_GUESSES_PER_SESSION", "LORA_LAB_GUESSES_PER_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    identity._guess_limit.clear()  # the limits are server-wide (st.cache_resource): start each test afresh
    yield
    identity._guess_limit.clear()


def _guess(at: AppTest, text: str, field: int = 0, button: int = 0) -> list[str]:
    at.text_input[field].input(text)
    at.button[button].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return [e.value for e in at.error]


def test_wrong_passwords_lock_the_session_out_even_for_the_right_one(db, fresh_limits):
    at = page("instructor", secrets={"INSTRUCTOR_PASSWORD": "s3cret"})
    for _ in range(4):
        assert _guess(at, "guess") == ["Wrong password."]
    errors = _guess(at, "guess")  # the fifth wrong guess
    assert errors[0] == "Wrong password." and errors[1].startswith("Too many attempts; try again in 60 s")
    assert _guess(at, "s3cret") == ["Too many attempts; try again in 60 s."] and not at.metric


def test_wrong_learner_codes_are_limited_per_address_across_sessions(db, fresh_limits, monkeypatch):
    import uuid

    from ui.components import identity

    monkeypatch.setenv("LORA_LAB_GUESSES_PER_ADDRESS", "3")
    monkeypatch.setattr(identity, "_guesser", lambda: (uuid.uuid4().hex, "10.0.0.9"))  # a new session each time
    at = page("progress")
    assert _guess(at, "NOPE1234", 1, 1)[0].startswith("No learner has that code")
    _guess(at, "NOPE1235", 1, 1)
    assert _guess(at, "NOPE1236", 1, 1)[-1] == "Too many attempts; try again in 60 s."
    ana = db.learner("Ana")
    assert _guess(at, ana.code, 1, 1) == ["Too many attempts; try again in 60 s."]
    assert CODE_KEY not in at.session_state


@pytest.mark.parametrize("blank", ["   ", "\t\n"])
def test_a_whitespace_only_password_leaves_the_dashboard_disabled(db, blank, monkeypatch):
    at = page("instructor", secrets={"INSTRUCTOR_PASSWORD": blank})
    assert "disabled" in at.info[0].value and not at.text_input
    monkeypatch.setenv("INSTRUCTOR_PASSWORD", blank)
    assert "disabled" in page("instructor").info[0].value


def test_behind_a_local_proxy_the_forwarded_address_is_the_client(monkeypatch):
    from ui.components import identity

    class Context:
        ip_address = None  # Streamlit: a connection from this machine, such as a local reverse proxy
        headers = {"X-Forwarded-For": "6.6.6.6, 10.1.2.3"}  # the client wrote the first; the proxy added the last

    monkeypatch.setattr(identity.st, "context", Context())
    monkeypatch.setattr(identity.st, "session_state", {})
    assert identity._guesser()[1] == "10.1.2.3"
    Context.ip_address = "203.0.113.9"  # straight from the network: the header is not trusted
    assert identity._guesser()[1] == "203.0.113.9"
    Context.ip_address, Context.headers = None, {}
    assert identity._guesser()[1] is None


def test_a_blank_learner_code_is_a_message_not_a_guess(db, fresh_limits):
    at = page("progress")
    for _ in range(8):
        assert _guess(at, "   ", 1, 1) == ["Type your learner code first."]
