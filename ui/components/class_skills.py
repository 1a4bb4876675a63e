"""The instructor dashboard's skills panel: the skills the class struggles with most, the
knowledge-tracing parameters fitted from its answers, and a button to refit them
(engine/practice/class_skills.py, engine/practice/parameters.py)."""

from __future__ import annotations

import streamlit as st

EXPLAIN = ("**P(L0)** known before practice · **T** chance to learn it at one practice · **S** slip: wrong "
           "although known · **G** guess: right although not known (typed answers) · **F** share forgotten per "
           "day, fitted from answers on different days (FSRS's curve until there are enough) · **T after a "
           "slip** chance to learn it at the practice right after a named mistake (T until there are enough) · "
           "**mastered**: share of the learners who practised it whose estimate passed 95% after at least 3 "
           "answers · **from data**: how much of each value comes from the class's answers rather than the "
           "defaults.")


def render(db, course, report) -> None:
    """The panel; `report` is the class report the page already read."""
    from engine.practice.catalogue import build
    from engine.practice.class_skills import skill_rows
    from engine.progress.fits import load_fit
    from engine.progress.store import StoreError

    st.subheader("Skills the class struggles with most")
    catalogue = build(course)
    try:
        fitted_at, fit_rows = load_fit(db)
    except StoreError as exc:
        st.error(f"The fitted parameters cannot be read right now. {exc}")
        return
    rows = skill_rows(catalogue, report, fit_rows)
    st.dataframe([_row(r) for r in rows], hide_index=True, column_config={
        "right at first try": st.column_config.ProgressColumn(min_value=0.0, max_value=1.0, format="percent")})
    st.caption("Hardest first: by the share of first tries that were right, over the questions training each skill. "
               + EXPLAIN)
    when = f"last fitted {fitted_at:%Y-%m-%d %H:%M} UTC" if fitted_at else "not fitted yet: practice uses the defaults"
    st.markdown(f"**Knowledge-tracing parameters**: {when}. Practice uses a refit from its next pick.")
    if st.button("Refit from the class's answers", key="refit-skills", icon=":material/model_training:"):
        _refit(db, catalogue)
    if done := st.session_state.pop("refit-done", None):
        st.success(done)


def _row(r) -> dict:
    f = r.fitted
    return {"skill": r.title, "right at first try": r.first_try_right, "first tries": r.first_tries,
            "most named mistakes": ", ".join(f"{m} ({n})" for m, n in r.mistakes[:3]) or "—",
            "P(L0)": _p(f, "p_init"), "T": _p(f, "p_learn"), "S": _p(f, "p_slip"), "G": _p(f, "p_guess"),
            "F": _p(f, "p_forget") if f and f.p_forget is not None else "FSRS" if f else "—",
            "T after a slip": _p(f, "p_learn_slip") if f and f.p_learn_slip is not None else "T" if f else "—",
            "mastered": f"{f.mastered:.0%}" if f and f.mastered is not None else "—",
            "from data": f"{f.data_weight:.0%}" if f else "—"}


def _p(fitted, name: str) -> str:
    return f"{getattr(fitted, name):.2f}" if fitted else "—"


def _refit(db, catalogue) -> None:
    from engine.practice.parameters import refit
    from engine.progress.store import StoreError

    try:
        with st.spinner("Fitting to every answer in the class…"):
            result = refit(db, catalogue)
    except StoreError as exc:
        st.error(f"The parameters could not be refitted right now. {exc}")
        return
    st.session_state["refit-done"] = (f"Refitted from {result.answers} pieces of evidence by {result.learners} "
                                      f"learners ({result.iterations} EM iterations).")
    st.rerun()
