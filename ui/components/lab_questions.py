"""After a lab run: questions whose numbers are that run's own figures (practice/lab-run.yaml,
engine/practice/lab_questions.py), graded, diagnosed and saved like any quiz question."""

from __future__ import annotations

import streamlit as st

from ui.components.question import render_numbered

METHOD_NAMES = {"full": "full fine-tuning", "lora": "LoRA", "qlora": "QLoRA"}


def show(results: dict[str, dict], *, key: str) -> None:
    from engine.practice.lab_questions import for_run, load_lab_questions

    lab, problems = load_lab_questions()
    if lab is None:
        if problems:
            st.caption(f"Questions about your run are unavailable: {problems[0]}")
        return
    bound = [found for entry in lab.questions if (found := for_run(entry, results))]
    if not bound:
        return
    st.header("Questions about your run")
    figures = "-".join(str(results[m].get("trainable_params")) for m in sorted(results))
    for number, (method, question) in enumerate(bound, start=1):
        st.caption(f"With the figures of your {METHOD_NAMES.get(method, method)} run")
        render_numbered(lab, question, f"{key}-run-{figures}", number, level=3)
