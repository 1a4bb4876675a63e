"""Thin Streamlit pages and widgets: read state, call engine/, render.

    navigation.py  the frame's page registry: builds st.Page objects for every page
    pages/         one module per page, a short top-to-bottom script each
    components/    pieces that pages share: lab panel, question, solution, identity, links
    widgets/       the interactive figures a lesson's `figure` section may name

    app.py ─▶ navigation ─▶ pages ─▶ components ─▶ widgets ─▶ engine/
                  └──▶ components.links ◀── pages   (links import no page)

Every module that builds a plotly figure imports pandas first. Plotly checks its inputs against
whatever `pandas` is in sys.modules without importing it (_plotly_utils.optional_imports,
should_load=False), so a figure built while another session's thread is still importing pandas
(st.dataframe imports it) fails with "partially initialized module 'pandas'". An `import pandas`
waits for that import to finish (Python's per-module import lock); once done it costs nothing.
"""
