"""The Lab page (/lab): the lab panel with the glossary and defaults of the lesson that holds the lab."""

from __future__ import annotations

import streamlit as st

from engine.content.loader import lab_sections, load_course
from ui.components.lab_panel import render_lab


def render() -> None:
    st.title("Lab: teach a small model new words")
    st.markdown("Fine-tune the shipped small model on invented company terms with full fine-tuning, "
                "LoRA and QLoRA, and compare loss, skill, time and measured memory.")
    found = lab_sections(load_course())
    if not found:
        st.error("No lesson has a `lab` section, so there is no glossary to teach. "
                 "Check the lessons with `python -m engine validate`.")
        st.stop()
    lesson, section = found[0]
    st.caption(f"Glossary and defaults from the lesson “{lesson.title}”.")
    render_lab(section.settings, section.glossary, key="lab-page")
