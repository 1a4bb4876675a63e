"""The frame's safety net: no page shows a Python traceback to a learner, whatever it is given.

Pages handle the errors they expect (a format message, a store that cannot be opened). Anything
else that escapes a page, or the building of the navigation, ends here: the traceback goes to
the server log (stderr, through `logging`), the learner reads a short message with a reference
to quote, and an instructor signed in on the dashboard also gets the traceback in an expander.
st.stop() and st.rerun() pass through: they are BaseExceptions (Streamlit's
ScriptControlException), not errors. What runs outside a page (widget callbacks, fragments)
is covered by `client.showErrorDetails = "none"` in .streamlit/config.toml, which makes Streamlit
show a generic message there (Streamlit docs, "Configuration options": client.showErrorDetails).
"""

from __future__ import annotations

import logging
import traceback
import uuid
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

log = logging.getLogger("lora_lab")
T = TypeVar("T")


def guarded(what: str, action: Callable[[], T]) -> T | None:
    """action(), or None after logging and showing a message if it raised an unexpected exception.
    `what` names it in the log only; the learner reads the same plain message for every failure."""
    try:
        return action()
    except Exception as exc:  # the last line of defence: every error is logged
        reference = uuid.uuid4().hex[:8]
        log.exception("%s failed (reference %s)", what, reference)
        st.error(f"Something went wrong on this page. It has been logged (reference {reference}); the rest of "
                 "the app still works: reload this page or pick another one.", icon=":material/error:")
        _details_for_instructors(exc)
        return None


def _details_for_instructors(exc: Exception) -> None:
    try:
        from ui.components.instructor import is_instructor

        if not is_instructor():
            return
    except Exception:  # noqa: BLE001 (no secrets file, say: then nobody sees details)
        return
    with st.expander("Technical details (shown to instructors only)"):
        st.code("".join(traceback.format_exception(exc)), language=None)
