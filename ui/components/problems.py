"""The panel that lists content errors, so a broken file is visible, not fatal."""

from __future__ import annotations

import streamlit as st

from engine.content.problems import Problem


def render_problems(problems: list[Problem], *, expanded: bool = False) -> None:
    if not problems:
        return
    files = len({p.file for p in problems})
    errors = f"{len(problems)} content error{'s' if len(problems) > 1 else ''} in {files} file{'s' if files > 1 else ''}"
    with st.expander(f"{errors}; the rest of the course still works", expanded=expanded, icon=":material/warning:"):
        st.markdown("Fix these in the YAML files; `python -m engine validate` prints the same list.")
        st.code("\n".join(str(p) for p in problems), language=None)
