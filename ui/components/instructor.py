"""The instructor's side of signing in: the password (INSTRUCTOR_PASSWORD in secrets.toml or the
environment; blank counts as unset, leaving the dashboard disabled) and the gate in front of the
dashboard. The typed password is compared with hmac.compare_digest (Python docs, hmac: constant
time, so the comparison leaks no prefix length), in this client's turn after wrong guesses
(ui/components/identity.py checked, engine/progress/throttle.py): never refused when right."""

from __future__ import annotations

import hashlib
import hmac
import os

import streamlit as st

from ui.components import identity

UNLOCKED = "instructor_unlocked"  # session state: digest of the password that unlocked this session


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
        if st.form_submit_button("Open the dashboard") and (db := identity.store()) is not None:
            right = identity.checked(db, "instructor password", lambda: hmac.compare_digest(typed.encode(), expected.encode()))
            if right:
                st.session_state[UNLOCKED] = digest
                st.rerun()
            if right is False:
                st.error("Wrong password.")
    st.stop()
