"""Links between pages by URL path, resolved against the pages the frame registered."""

from __future__ import annotations

import streamlit as st


def link_to(url_path: str, label: str) -> None:
    from ui.navigation import page_for  # late: navigation imports the pages that import this

    page = page_for(url_path)
    if page is None:
        st.caption(f"{label} (page /{url_path} is not available)")
    else:
        st.page_link(page, label=label)
