"""What a browser keeps between visits: who is signed in, and the answers given before signing in.

Two cookies, both written by a one-line script in the sidebar (Streamlit has no API that sets a
cookie; st.html runs a script only with unsafe_allow_javascript, and this one holds nothing but
values made here) and read back from st.context.cookies, which holds the cookies of the
request that opened the session (Streamlit docs, st.context.cookies):

- `lora_lab_signin`: a signed, expiring token naming the learner (engine/progress/signin.py),
  written when a learner signs in with a name or a code and asked to stay signed in. A reload,
  a new tab or a link opened later signs them in again until it expires (LORA_LAB_SIGNIN_DAYS,
  default 30, renewed on each visit). "Sign out" deletes it. Learners signed in through the
  identity provider (st.login) need none: Streamlit keeps its own cookie for them.
- `lora_lab_guest`: a random id for a browser nobody is signed in on. Answers given meanwhile
  wait under it in this server's memory (engine/progress/pending.py) and are stored as the
  learner's when they sign in, by code or through the identity provider.

The cookies are SameSite=Lax (not sent by other sites' requests) and Secure over https. They
cannot be HttpOnly, because a script writes them: a script injected into the page could read the
token. The app runs none (Markdown is shown without raw HTML), and the token holds no learner
code, only an id and an expiry under the server's signature. Risks and settings: README,
"Staying signed in".
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid

import streamlit as st

from engine.progress import signin
from engine.progress.pending import Pending

SIGNIN_COOKIE = "lora_lab_signin"
GUEST_COOKIE = "lora_lab_guest"
LEARNER_KEY = "signed_in_learner"  # session state: id of the learner signed in by name, code or cookie
STAY_KEY = "stay_signed_in"  # session state: the learner asked to stay signed in on this browser
WRITTEN_KEY = "signin_cookie_for"  # session state: the learner id whose cookie this session wrote
SIGNED_OUT_KEY = "signed_out"  # session state: signed out here; the old cookie of the request no longer counts
GUEST_KEY = "guest_id"  # session state: this browser's guest id
GUEST_DAYS = 1  # a guest's answers wait this long (Pending's ttl_s)
_GUEST_ID = re.compile(r"[0-9a-f]{32}")
_log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def _pending() -> Pending:
    """One holding area per server process, shared by every session."""
    return Pending(ttl_s=GUEST_DAYS * 86_400)


def _secret() -> bytes | None:
    """The signing key, or None (logged) when there is none to be had: sign-in then lasts one tab."""
    from engine.progress.store import data_dir

    try:
        configured = st.secrets.get(signin.SECRET_ENV)
    except Exception:  # noqa: BLE001 - no secrets.toml: Streamlit raises rather than returning None
        configured = None
    try:
        return signin.secret_key(str(configured or os.environ.get(signin.SECRET_ENV) or ""), data_dir())
    except OSError as exc:
        _log.warning("staying signed in is off: no signing key (%s)", exc)
        return None


def _days() -> float:
    try:
        return signin.days_setting()
    except ValueError as exc:
        _log.warning("staying signed in is off: %s", exc)
        return 0.0


def can_stay() -> bool:
    """Whether this server keeps a browser signed in (LORA_LAB_SIGNIN_DAYS is not 0)."""
    return _days() > 0


def remember(learner_id: int, *, stay: bool) -> None:
    """This session signed in as `learner_id`; with `stay`, the browser keeps it (cookie written on the next run)."""
    st.session_state[LEARNER_KEY] = learner_id
    st.session_state[STAY_KEY] = stay
    st.session_state.pop(SIGNED_OUT_KEY, None)
    st.session_state.pop(WRITTEN_KEY, None)


def forget() -> None:
    """Signed out: this session forgets the learner, and the browser's cookie is deleted on the next run."""
    for name in (LEARNER_KEY, STAY_KEY, WRITTEN_KEY):
        st.session_state.pop(name, None)
    st.session_state[SIGNED_OUT_KEY] = "delete"


def learner_id() -> int | None:
    """The id of the learner this session signed in (by name, code or cookie), or None."""
    return st.session_state.get(LEARNER_KEY)


def sync(*, oidc: bool, signed_in: bool) -> None:
    """Once per run, before the page: sign in from the cookie, write or delete cookies as needed.
    `oidc`: the identity provider signs learners in (then the sign-in cookie is not used);
    `signed_in`: someone is signed in by any means (then no guest id is needed)."""
    cookies = {}
    if not oidc:
        cookies.update(_signin_cookie())
        signed_in = signed_in or learner_id() is not None
    cookies.update(_guest_cookie(new=not signed_in))
    if cookies:
        _write(cookies)


def _signin_cookie() -> dict[str, tuple[str, float]]:
    """The sign-in cookie to write ({} when none): restores a session from it first."""
    if st.session_state.get(SIGNED_OUT_KEY) == "delete":
        st.session_state[SIGNED_OUT_KEY] = True
        return {SIGNIN_COOKIE: ("", 0)}
    days, now = _days(), time.time()
    if learner_id() is None and not st.session_state.get(SIGNED_OUT_KEY) and days > 0:
        token = _cookie(SIGNIN_COOKIE)
        secret = _secret() if token else None
        restored = signin.verify(token, secret=secret, now=now) if secret else None
        if restored is not None:
            remember(restored, stay=True)  # and renew: the cookie is written again below, for `days` more
    learner = learner_id()
    if learner is None or not st.session_state.get(STAY_KEY) or st.session_state.get(WRITTEN_KEY) == learner:
        return {}
    secret = _secret() if days > 0 else None
    if secret is None:
        return {}
    st.session_state[WRITTEN_KEY] = learner
    return {SIGNIN_COOKIE: (signin.issue(learner, secret=secret, now=now, days=days), days * 86_400)}


def _guest_cookie(*, new: bool) -> dict[str, tuple[str, float]]:
    """The browser's guest id: the cookie's when it has one (answers may wait under it, even once
    signed in: st.login comes back in a new session); with `new`, else a fresh one, written."""
    if st.session_state.get(GUEST_KEY):
        return {}
    known = _cookie(GUEST_COOKIE)
    if _GUEST_ID.fullmatch(known):
        st.session_state[GUEST_KEY] = known
        return {}
    if not new:
        return {}
    st.session_state[GUEST_KEY] = uuid.uuid4().hex
    return {GUEST_COOKIE: (st.session_state[GUEST_KEY], GUEST_DAYS * 86_400)}


def _cookie(name: str) -> str:
    """The cookie's value as the browser sent it when the session opened ("" when absent, as in AppTest)."""
    value = st.context.cookies.get(name)
    return value if isinstance(value, str) else ""


def _write(cookies: dict[str, tuple[str, float]]) -> None:
    """One script that sets each cookie (max-age 0 deletes one); values are made here, never typed."""
    lines = [f"document.cookie = {json.dumps(f'{name}={value}; Path=/; Max-Age={int(age)}; SameSite=Lax')}"
             " + (location.protocol === 'https:' ? '; Secure' : '');"
             for name, (value, age) in cookies.items()]
    st.sidebar.html("<script>" + "\n".join(lines) + "</script>", unsafe_allow_javascript=True)


def hold(attempt: dict) -> bool:
    """Keep a graded attempt of a browser nobody is signed in on; False when it cannot be kept."""
    guest = st.session_state.get(GUEST_KEY)
    return bool(guest) and _pending().add(guest, attempt)


def waiting() -> int:
    """How many of this browser's answers wait for a sign-in."""
    return _pending().count(st.session_state.get(GUEST_KEY))


def attach(store, learner: int) -> int:
    """Store this browser's waiting answers as `learner`'s; returns how many."""
    guest = st.session_state.get(GUEST_KEY)
    return _pending().attach(guest, store, learner) if guest else 0
