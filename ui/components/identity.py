"""Who the learner is (and whether this session is the instructor), and the hooks that
save a learner's work to the progress store.

With Streamlit's OIDC login configured (an [auth] section in secrets.toml; Streamlit
docs, "User authentication", st.login / st.user) the learner is st.user. Otherwise the
learner types a display name and gets a short learner code to come back with; the
learner can stay signed in on this browser (a signed cookie, ui/components/browser_session.py),
and answers given before signing in are kept and stored as theirs when they sign in. Every hook
does nothing when nobody is signed in, and a database problem shows a warning instead of
breaking the page. The instructor
gate compares INSTRUCTOR_PASSWORD with hmac.compare_digest (Python docs, hmac: constant
time, so the comparison leaks no prefix length). Wrong passwords and wrong learner codes
are limited per session and per client address (engine/progress/throttle.py).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from typing import TYPE_CHECKING

import streamlit as st

from engine.progress.throttle import GuessLimit, message
from ui.components import browser_session

if TYPE_CHECKING:
    from engine.progress.records import Learner
    from engine.progress.store import Store

CODE_KEY = "learner_code"  # session state: the code of the signed-in learner (no OIDC)
UNLOCKED = "instructor_unlocked"  # session state: digest of the password that unlocked this session


@st.cache_resource(show_spinner=False)
def _open(url: str) -> Store:
    from engine.progress.store import Store

    return Store(url)  # one engine and connection pool per server and database (errors are not cached)


def store() -> Store | None:
    """The progress store, or None after showing why it cannot be opened."""
    from engine.progress.store import StoreError, database_url  # SQLAlchemy loads only when progress is used

    try:
        return _open(database_url())
    except StoreError as exc:
        st.error(f"Progress cannot be saved right now. {exc}")
        return None


def oidc_configured() -> bool:
    return "is_logged_in" in st.user  # Streamlit adds the key only when [auth] is configured


def has_sign_in() -> bool:
    """Whether anyone may be signed in to this session; cheap (no database), so pages can skip the store."""
    return oidc_configured() or bool(st.session_state.get(CODE_KEY)) or browser_session.learner_id() is not None


def current_learner(db: Store) -> Learner | None:
    if oidc_configured():
        if not st.user.is_logged_in:
            return None
        subject = str(st.user.get("sub") or st.user.get("email"))
        claimed = str(st.user.get("name") or st.user.get("email") or "")
        name = "".join(ch for ch in claimed if ch.isprintable()).strip()[:100] or "Learner"
        return db.learner(name, subject=subject)
    code, known = st.session_state.get(CODE_KEY), browser_session.learner_id()
    if code:
        return db.learner_by_code(code)
    return db.learner_by_id(known) if known is not None else None


def sign_in(db: Store) -> Learner | None:
    """The signed-in learner; otherwise the sign-in forms, and None."""
    learner = current_learner(db)
    if learner is not None or oidc_configured():
        if learner is None:
            st.button("Log in to keep your progress", on_click=st.login, type="primary")
        return learner
    stay = browser_session.can_stay() and st.checkbox(
        "Stay signed in on this browser", value=True, key="identity-stay",
        help="Untick on a shared computer. \"Sign out\" on the Progress page ends it.")
    new, back = st.columns(2)
    with new.form("identity-new"):
        st.markdown("**New here?** Pick a display name; you get a code to come back with.")
        name = st.text_input("Display name", max_chars=100)
        if st.form_submit_button("Start"):
            _start(db, name, stay)
    with back.form("identity-back"):
        st.markdown("**Back again?** Type your learner code.")
        code = st.text_input("Learner code", max_chars=20)
        if st.form_submit_button("Continue"):
            _come_back(db, code, stay)
    return None


def _come_back(db: Store, code: str, stay: bool) -> None:
    """Sign in with a learner code; a wrong one counts against this session's and address's guesses."""
    if not code.strip():
        st.error("Type your learner code first.")
        return
    if _locked_out("learner code"):
        return
    found = db.learner_by_code(code)
    if found is None:
        st.error("No learner has that code. Check it, or start afresh with a display name.")
        _wrong_guess("learner code")
    else:
        _remember(found, stay)


@st.cache_resource(show_spinner=False)
def _guess_limit(kind: str) -> GuessLimit:
    """One limit per kind of secret ("learner code", "instructor password"), shared by every session."""
    return GuessLimit.from_env()


def _guesser() -> tuple[str, str | None]:
    """(this session's id, the client's address, or None when it is not known).

    Streamlit gives no address for a connection from this machine (st.context.ip_address docs);
    that is also how a reverse proxy on the same machine connects, so there the last
    X-Forwarded-For entry, the one the proxy added, is the client. It is not trusted from
    anywhere else, where any client could write it.
    """
    session = st.session_state.setdefault("guess_session", uuid.uuid4().hex)
    address = st.context.ip_address
    if address is None:
        forwarded = (st.context.headers or {}).get("X-Forwarded-For", "")
        address = forwarded.split(",")[-1].strip() or None
    return session, address


def _locked_out(kind: str) -> bool:
    """True, after saying how long to wait, while this session or address has guessed wrong too often."""
    try:
        wait = _guess_limit(kind).wait(*_guesser())
    except ValueError as exc:  # a bad LORA_LAB_GUESSES_* setting: refuse rather than not limit
        st.error(f"Signing in is disabled on this server: {exc}.")
        return True
    if wait:
        st.error(message(wait))
    return bool(wait)


def _wrong_guess(kind: str) -> None:
    wait = _guess_limit(kind).failed(*_guesser())
    if wait:
        st.error(message(wait))


def _start(db: Store, name: str, stay: bool) -> None:
    try:
        learner = db.learner(name)
    except ValueError as exc:
        st.error(str(exc))
        return
    st.session_state["learner_code_is_new"] = True
    _remember(learner, stay)


def _remember(learner: Learner, stay: bool) -> None:
    st.session_state[CODE_KEY] = learner.code
    browser_session.remember(learner.id, stay=stay)
    st.rerun()  # the next run writes the cookie and stores the answers given before signing in


def show_identity(learner: Learner) -> None:
    """Who is signed in (the name shown literally), and their code when it is new."""
    st.text(f"Signed in as {learner.name}")
    if oidc_configured():
        st.button("Log out", on_click=st.logout, key="identity-log-out")
    else:
        st.caption("Keep your learner code to come back on another day or device; it is your key.")
        st.code(f"{learner.code[:4]}-{learner.code[4:]}", language=None)
        if st.button("Sign out", key="identity-sign-out"):
            st.session_state.pop(CODE_KEY, None)
            browser_session.forget()  # and this browser's cookie
            st.rerun()


def _signed_in() -> tuple[Store, Learner] | tuple[None, None]:
    """The store and learner when someone is signed in; cheap (no database) when nobody is."""
    if not has_sign_in():
        return None, None
    from engine.progress.store import StoreError

    db = store()
    try:
        learner = current_learner(db) if db else None
    except StoreError as exc:
        st.warning(f"Progress is not being saved: {exc}")
        return None, None
    return (db, learner) if learner else (None, None)


def signed_in() -> tuple[Store, Learner] | tuple[None, None]:
    """(store, learner) of whoever is signed in, else (None, None): for ui/components/returning.py."""
    return _signed_in()


def variant_owner() -> str | None:
    """A stable key for the signed-in learner, so their question variants survive a new visit;
    None when nobody is signed in. Looked up once per sign-in, then kept in the session."""
    if not has_sign_in():
        return None
    who = (str(st.user.get("sub") or st.user.get("email")) if oidc_configured()
           else st.session_state.get(CODE_KEY) or f"id {browser_session.learner_id()}")
    cached = st.session_state.get("variant_owner")
    if cached and cached[0] == who:
        return cached[1]
    _, learner = _signed_in()
    owner = f"learner-{learner.id}" if learner else None
    st.session_state["variant_owner"] = (who, owner)
    return owner


def save_attempt(quiz_id: str, question_id: str, *, seed: int, raw: str, parsed, result, params=None,
                 solution_seen: bool = False) -> bool:
    """Hook for ui/components/question.py: store a graded attempt (a GradeResult) for the signed-in
    learner; with nobody signed in, hold it until someone signs in on this browser."""
    attempt = dict(quiz_id=quiz_id, question_id=question_id, seed=seed, raw=raw, parsed=parsed, score=result.score,
                   mistake_id=result.mistake_id, feedback=result.feedback, params=params, correct=result.correct,
                   solution_seen=solution_seen, mistakes=result.mistakes)
    db, learner = _signed_in()
    if learner is None:
        browser_session.hold(attempt)
        return False
    try:
        db.record_attempt(learner.id, **attempt)
    except (RuntimeError, ValueError) as exc:  # StoreError is a RuntimeError
        st.warning(f"Your answer was graded but not saved: {exc}")
        return False
    return True


def lesson_done_button(lesson_id: str) -> None:
    """Hook for ui/pages/lesson.py: mark this lesson done, or say it is."""
    db, learner = _signed_in()
    if learner is None:
        st.caption("Sign in on the Progress page to keep track of the lessons you finish.")
        return
    if lesson_id in db.progress(learner.id).lessons_done:
        st.success("You finished this lesson.", icon=":material/check_circle:")
    elif st.button("Mark this lesson as done", key=f"done-{lesson_id}"):
        db.complete_lesson(learner.id, lesson_id)
        st.rerun()


def save_lab_runs(job_ids: dict[str, str], results: dict[str, dict]) -> None:
    """Hook for ui/components/lab_progress.py: store each finished run once for the learner. The store
    refuses a second copy of a job's run (from another tab or session); the session's own set only
    spares it the question on every redraw."""
    saved = st.session_state.setdefault("saved_lab_jobs", set())
    fresh = {method: r for method, r in results.items() if job_ids.get(method) not in saved}
    db, learner = _signed_in() if fresh else (None, None)
    if learner is None:
        return
    from engine.progress.store import lab_measurements

    for method, result in fresh.items():
        db.record_lab_run(learner.id, method, lab_measurements(result), job_id=job_ids[method])
        saved.add(job_ids[method])


def instructor_password() -> str:
    try:
        secret = st.secrets.get("INSTRUCTOR_PASSWORD")
    except Exception:  # no secrets.toml at all: Streamlit raises rather than returning None
        secret = None
    for value in (secret, os.environ.get("INSTRUCTOR_PASSWORD")):
        if value is not None and str(value).strip():  # whitespace only counts as unset
            return str(value)
    return ""


def is_instructor() -> bool:
    """True when this session typed the current instructor password (none set: nobody is)."""
    expected = instructor_password()
    digest = hashlib.sha256(expected.encode()).hexdigest()
    return bool(expected) and hmac.compare_digest(st.session_state.get(UNLOCKED, ""), digest)


def instructor_gate(expected: str) -> None:
    """Stop the page unless this session typed the current password."""
    digest = hashlib.sha256(expected.encode()).hexdigest()
    if hmac.compare_digest(st.session_state.get(UNLOCKED, ""), digest):
        return
    with st.form("instructor-login"):
        typed = st.text_input("Instructor password", type="password")
        if st.form_submit_button("Open the dashboard") and not _locked_out("instructor password"):
            if hmac.compare_digest(typed.encode(), expected.encode()):
                st.session_state[UNLOCKED] = digest
                st.rerun()
            st.error("Wrong password.")
            _wrong_guess("instructor password")
    st.stop()
