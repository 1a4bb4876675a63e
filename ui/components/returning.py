"""The frame's step before every page: a browser that comes back is signed in again, and the
answers it gave before anyone signed in are stored as the learner's (ui/components/browser_session.py
keeps both in cookies; ui/components/identity.py knows who is signed in)."""

from __future__ import annotations

import streamlit as st

from ui.components import browser_session, identity


def keep_signed_in() -> None:
    """The frame calls this once per run, before the page: sign in from this browser's cookie (or
    write, renew or delete it), then store the answers given here before signing in."""
    oidc = identity.oidc_configured()
    browser_session.sync(oidc=oidc, signed_in=oidc and bool(st.user.is_logged_in))
    if not browser_session.waiting():
        return
    db, learner = identity.signed_in()
    if learner is None:
        return
    try:
        stored = browser_session.attach(db, learner.id)
    except RuntimeError as exc:  # StoreError: they wait for the next run
        st.warning(f"Your earlier answers are not saved yet: {exc}")
        return
    if stored:
        st.toast(f"{stored} answer{'s' if stored > 1 else ''} you gave before signing in "
                 f"{'are' if stored > 1 else 'is'} now in your progress.", icon=":material/task_alt:")
