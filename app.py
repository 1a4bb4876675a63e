"""LoRA Lab: the Streamlit entry point, and only the frame.

Page config, then the navigation built from the course (lessons in order in the
sidebar, each deep-linkable at /<lesson-id>), then the selected page runs inside the
safety net of ui/failsafe.py.
All logic lives in engine/; pages live in ui/.
"""

import os

import streamlit as st

from engine.content.loader import load_course
from ui.components.returning import keep_signed_in
from ui.failsafe import guarded
from ui.navigation import build_navigation

st.set_page_config(page_title="LoRA Lab", page_icon=":material/extension:", layout="wide")
if os.environ.get("LORA_LAB_WARM_WORKER", "").strip().lower() == "start":
    # The lab's warm worker with the server's first page of any kind (default: the Lab page's first opening).
    from ui.components.lab_panel import warm_lab

    warm_lab()

# load_course is cached per file by content: an edited YAML shows on the next rerun. An unexpected
# error in the course or a page is logged and shown as a message, never a traceback (ui/failsafe.py).
pages = guarded("the course", lambda: build_navigation(load_course()))
if pages:
    # expanded: every page stays listed when the sidebar also holds the sign-in cookie's script
    # (ui/components/browser_session.py); otherwise Streamlit folds the list to ten after "View more".
    page = st.navigation(pages, position="sidebar", expanded=True)
    guarded("signing in from this browser", keep_signed_in)  # a cookie, answers given before signing in
    guarded(f"the page /{page.url_path}", page.run)
