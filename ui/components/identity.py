"""Who the learner is, and the hooks that save a learner's work to the progress store.

With Streamlit's OIDC login configured (an [auth] section in secrets.toml; Streamlit
docs, "User authentication", st.login / st.user) the learner is st.user. Otherwise the
learner types a display name and gets a short learner code to come back with; the
learner can stay signed in on this browser (a signed cookie, ui/components/browser_session.py),
and answers given before signing in are kept and stored as theirs when they sign in. Every hook
does nothing when nobody is signed in, and a database problem shows a warning instead of
breaking the page. Wrong learner codes (and instructor passwords: ui/components/instructor.py)
are paced per session, client address and server, and new learners limited per session and
address, with counters in the progress database (engine/progress/throttle.py): an attempt
waits its turn, and the right secret is never refused.
"""
from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from engine.progress.throttle import client_address, guess_limit, message, new_learner_limit, trusted_proxies
from ui.components import browser_session

if TYPE_CHECKING:
    from engine.progress.records import Learner
    from engine.progress.store import Store

CODE_KEY = "learner_code"  # session state: the code of the signed-in learner (no OIDC)


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
    """Sign in with a learner code, checked in this client's turn; a wrong one counts as a guess."""
    if not code.strip():
        st.error("Type your learner code first.")
        return
    found: list[Learner] = []

    def check() -> bool:
        learner = db.learner_by_code(code)
        found.extend([learner] if learner else [])
        return learner is not None

    right = checked(db, "learner code", check)
    if right:
        _remember(found[0], stay)
    elif right is False:
        st.error("No learner has that code. Check it, or start afresh with a display name.")


def client_keys() -> dict[str, str]:
    """Who is asking, for the limits: this session, the client's address and the server as a whole.

    The address is the connection's (Streamlit reports one from this machine as None: 127.0.0.1);
    X-Forwarded-For is believed only from the proxies in LORA_LAB_TRUSTED_PROXIES, since any
    client can write it (engine/progress/throttle.py client_address).
    """
    session = st.session_state.setdefault("guess_session", uuid.uuid4().hex)
    forwarded = (st.context.headers or {}).get("X-Forwarded-For", "")
    return {"session": session, "address": client_address(st.context.ip_address, forwarded, trusted_proxies()),
            "server": "all"}


def checked(db: Store, kind: str, check: Callable[[], bool]) -> bool | None:
    """`check()` run in this client's turn: after many wrong guesses of this kind, attempts wait and
    are checked one at a time, so a right secret gets in late but is never refused. None (after
    saying why) when it could not be checked."""
    from engine.progress.store import StoreError

    waiting = st.empty()

    def say(seconds: float) -> None:
        waiting.info(f"Many wrong attempts were made here recently, so each is checked in turn: yours in "
                     f"{seconds:.0f} s…", icon=":material/hourglass_top:")

    try:
        ok = guess_limit(db, kind).attempt(client_keys(), check, on_wait=say)
    except ValueError as exc:  # a bad LORA_LAB_GUESSES_* or LORA_LAB_TRUSTED_PROXIES: refuse rather than not limit
        st.error(f"Signing in is disabled on this server: {exc}.")
        return None
    except StoreError as exc:
        st.error(f"Signing in is not possible right now. {exc}")
        return None
    waiting.empty()
    if ok is None:
        st.error("Many attempts from your network are being checked right now; press the button again in a moment.")
    return ok


def _start(db: Store, name: str, stay: bool) -> None:
    """A new learner, unless this session or address has made too many in the last 10 minutes."""
    try:
        limit, keys = new_learner_limit(db), client_keys()
        wait = limit.claim(keys)
        if wait:
            st.error(f"Several learners were made from here in a short time. {message(wait)}")
            return
        learner = db.learner(name)
        limit.count(keys)
    except ValueError as exc:  # a bad name, or a bad LORA_LAB_NEW_LEARNERS_* setting
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
        if learner.code:
            st.caption("Keep your learner code to come back on another day or device; it is your key.")
            st.code(f"{learner.code[:4]}-{learner.code[4:]}", language=None)
        else:  # signed in by this browser's cookie: the server keeps only a hash of the code
            st.caption("Your learner code was shown when you made it; the server keeps only a hash of it, "
                       "so it cannot show it again. It still signs you in on another day or device.")
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
