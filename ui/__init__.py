"""Thin Streamlit pages and widgets: read state, call engine/, render.

    navigation.py  the frame's page registry: builds st.Page objects for every page
    pages/         one module per page, a short top-to-bottom script each
    components/    pieces that pages share: lab panel, question, solution, identity, links
    widgets/       the interactive figures a lesson's `figure` section may name

    app.py ─▶ navigation ─▶ pages ─▶ components ─▶ widgets ─▶ engine/
                  └──▶ components.links ◀── pages   (links import no page)
"""
