"""LoRA Lab: the Streamlit entry point, and only the frame.

Page config, then the navigation built from the course (lessons in order in the
sidebar, each deep-linkable at /<lesson-id>), then the selected page runs.
All logic lives in engine/; pages live in ui/.
"""

import streamlit as st

from engine.content.loader import load_course
from ui.navigation import build_navigation

st.set_page_config(page_title="LoRA Lab", page_icon="🧩", layout="wide")

course = load_course()  # cached per file by content: an edited YAML shows on the next rerun
st.navigation(build_navigation(course), position="sidebar").run()
