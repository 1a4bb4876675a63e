"""Staying signed in and keeping answers, in AppTest (ui/components/browser_session.py,
ui/components/identity.py): signing in writes a signed cookie naming the learner, unless the
learner unticks "Stay signed in"; signing out deletes it; answers given before signing in reach
Progress. tests/ui/test_browser_signin.py checks the same in Chromium, across reloads and tabs."""

from __future__ import annotations

import re
import time

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from engine.progress import signin
from engine.progress.store import Store
from tests.conftest import ROOT

QUESTION = "quiz-seed-q3-printed-output"


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("LORA_LAB_DATA", str(tmp_path))
    for name in ("DATABASE_URL", signin.SECRET_ENV, signin.DAYS_ENV):
        monkeypatch.delenv(name, raising=False)
    store = Store()
    yield store
    store.close()


def goto(at: AppTest, url_path: str) -> AppTest:
    at._page_hash = calc_hash(url_path)  # as a deep link or a sidebar click selects the page, same session
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def cookies_written(at: AppTest) -> dict[str, tuple[str, int]]:
    """name -> (value, max-age) of every cookie the page's scripts set in this run."""
    found = {}
    for element in at.get("html"):
        for name, value, age in re.findall(r'"(\w+)=([^;]*); Path=/; Max-Age=(\d+)', element.proto.body):
            found[name] = (value, int(age))
    return found


def start(at: AppTest, name: str, *, stay: bool = True) -> AppTest:
    if not stay:
        at.checkbox(key="identity-stay").uncheck().run()
    at.text_input[0].input(name)
    at.button[0].click().run()
    assert not at.exception
    return at


def test_signing_in_writes_a_signed_cookie_naming_the_learner(db, tmp_path):
    at = goto(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), "progress")
    start(at, "Ana")
    ana = db.learner_by_code(at.code[0].value)
    value, age = cookies_written(at)["lora_lab_signin"]
    key = (tmp_path / signin.SECRET_FILE).read_bytes()
    assert signin.verify(value, secret=key, now=time.time()) == ana.id and age == 30 * 86_400
    goto(at, "home")
    assert "lora_lab_signin" not in cookies_written(at)  # written once, not on every run

    goto(at, "progress")
    at.button(key="identity-sign-out").click().run()
    assert cookies_written(at)["lora_lab_signin"] == ("", 0)  # deleted
    goto(at, "progress")
    assert [t.value for t in at.text_input] and not at.code  # signed out, and not signed in again


def test_unticking_stay_signed_in_writes_no_cookie(db):
    at = goto(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), "progress")
    start(at, "Ben", stay=False)
    assert at.code and "lora_lab_signin" not in cookies_written(at)


def test_answers_given_before_signing_in_reach_progress(db):
    at = goto(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60), "quiz-seed")
    assert "lora_lab_guest" in cookies_written(at)  # the browser's guest id, under which answers wait
    assert any("You are not signed in" in c.value for c in at.caption)
    at.text_input(key=f"in-{QUESTION}-0").input("253")
    at.button(key=f"FormSubmitter:form-{QUESTION}-0-Submit").click().run()
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM attempts").scalar() == 0  # not stored yet
    goto(at, "progress")
    start(at, "Cy")
    cy = db.learner_by_code(at.code[0].value)
    mine = db.progress(cy.id)
    assert [(q.quiz_id, q.attempts) for q in mine.quizzes] == [("seed", 1)]
    assert mine.last_question == ("seed", "q3-printed-output")
    assert any("before signing in" in str(t.proto) for t in at.get("toast"))
    goto(at, "quiz-seed")
    assert not any("You are not signed in" in c.value for c in at.caption)
