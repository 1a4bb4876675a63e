"""The instructor dashboard's LMS export: every quiz as a QTI 3.0 package to download (engine/export/),
the same package as `python -m engine export --format qti3 --all`, with its summary: what a person
must score, what is left out, and why. Built when asked, then kept in the session for the download."""

from __future__ import annotations

import streamlit as st

from engine.export.qti_package import DEFAULT_VARIANTS, MAX_VARIANTS, export_qti

_BUILT = "qti_export"  # session key: (variants, ExportResult)
_STATUS = {"scored": "scored by the LMS", "manual": "for manual scoring", "left out": "left out"}


def render(course) -> None:
    st.subheader("Quizzes for your LMS (QTI 3.0)")
    st.caption("One package with every quiz as a QTI 3.0 assessment test, for Canvas, Moodle (with its QTI "
               "import plugin), TAO and other QTI systems; docs/authoring.md says how to import it.")
    variants = st.number_input("Variants of each question with parameters", min_value=1, max_value=MAX_VARIANTS,
                               value=DEFAULT_VARIANTS, step=1,
                               help="Pre-drawn as the app draws them; the LMS gives each learner one of them.")
    if st.button("Build the QTI package", icon=":material/package_2:"):
        st.session_state[_BUILT] = (int(variants), export_qti(list(course.quizzes.values()), variants=int(variants)))
    broken = sorted({p.file for p in course.problems if "quizzes" in p.file.replace("\\", "/").split("/")})
    if broken:
        st.warning(f"Left out, since they do not load: {', '.join(broken)} (run `python -m engine validate`).")
    if _BUILT not in st.session_state:
        return
    used, result = st.session_state[_BUILT]
    st.markdown(f"{result.summary_lines()[0]} ({used} variant(s) per question with parameters)")
    notes = [q for q in result.questions if q.status != "scored" or q.reason]
    if notes:
        st.dataframe([{"quiz": q.quiz, "question": q.question, "type": q.type, "export": _STATUS[q.status],
                       "why": q.reason} for q in notes], hide_index=True)
    st.download_button("Download course-qti.zip", data=result.data, file_name="course-qti.zip",
                       mime="application/zip", on_click="ignore", icon=":material/download:")
