"""Open pages of the real app (app.py) in Streamlit's AppTest, by URL path."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from tests.conftest import ROOT


def open_page(url_path: str | None = None, *, timeout: float = 60) -> AppTest:
    """Run app.py, then the page registered at /<url_path> (Home when None)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    if url_path is not None:
        # st.Page hashes its url_path to identify the page (streamlit/navigation/page.py),
        # which is how a browser's deep link selects it.
        at._page_hash = calc_hash(url_path)
        at.run()
    return at
