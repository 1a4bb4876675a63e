"""Thin Streamlit pages and widgets: read state, call engine/, render."""
