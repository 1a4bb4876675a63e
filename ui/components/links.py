"""Links between pages by URL path, resolved against the pages the frame registered.

The frame (ui/navigation.py) builds the pages and calls `register`; pages call
`link_to`. This module imports no page, so pages and the frame never import each other.
"""

from __future__ import annotations

import streamlit as st

# url path -> page, from the latest build of the navigation.
_PAGES: dict[str, st.Page] = {}


def register(pages: dict[str, list[st.Page]]) -> None:
    """Remember the pages of this build, by URL path."""
    _PAGES.clear()
    _PAGES.update({page.url_path: page for items in pages.values() for page in items})


def page_for(url_path: str) -> st.Page | None:
    """The page registered at /<url_path>, for st.page_link; None if there is none."""
    return _PAGES.get(url_path)


def link_to(url_path: str, label: str) -> None:
    page = page_for(url_path)
    if page is None:
        st.caption(f"{label} (page /{url_path} is not available)")
    else:
        st.page_link(page, label=label)
