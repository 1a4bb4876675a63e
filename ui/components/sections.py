"""Render one lesson section by its type. Feature sections (figure, quiz, lab) hand
over to their own UI modules, imported only when a lesson has such a section.

Images in a markdown or real_world section are files under lessons/images/
(engine/content/markup.py; the loader has already replaced any other image by its
alt text) and are drawn with st.image. A figure whose params its model refuses
shows the reason in its place, and the rest of the lesson renders.
"""

from __future__ import annotations

import importlib

import streamlit as st
from pydantic import ValidationError

from engine.content import markup, schema
from engine.content.cross_checks import figure_problems
from engine.content.loader import load_course

# Material icons ship with Streamlit's font, so they draw on every machine (emoji need an emoji font).
_CALLOUTS = {
    "tip": (st.success, ":material/lightbulb:"),
    "warning": (st.warning, ":material/warning:"),
    "mistake": (st.error, ":material/report:"),
    "note": (st.info, ":material/sticky_note_2:"),
}


def render_section(section: schema.Section, *, key: str, references: dict, number_from: int = 1) -> int:
    """Draw one section; returns how many questions it numbered, counting from `number_from`, so
    that the questions of a lesson's several quiz sections are numbered once through the page."""
    if section.title:
        st.header(section.title)
    numbered = _quiz(section, key, number_from) if section.type == "quiz" else _RENDERERS[section.type](section, key)
    if section.cite:
        titles = (references[c].title if c in references else c for c in section.cite)
        st.caption("Source: " + "; ".join(markup.escape(title) for title in titles))
    return numbered or 0


def _markdown(section: schema.MarkdownSection, key: str) -> None:
    show_markdown(section.body)


def show_markdown(text: str) -> None:
    """Markdown with its images (shipped files only) drawn in place."""
    for kind, value, alt in markup.split_images(text):
        if kind == "text":
            st.markdown(value)
        elif kind == "image":
            st.image(value, caption=alt or None)
        else:
            st.caption(f"(image not available: {alt or value})")


def _analogy(section: schema.AnalogySection, key: str) -> None:
    st.info(section.body, icon=":material/psychology:")


def _code_compare(section: schema.CodeCompareSection, key: str) -> None:
    for column, pane in zip(st.columns(2), (section.left, section.right)):
        with column:
            st.markdown(f"**{pane.caption}**")
            st.code(pane.code.rstrip("\n"), language=pane.language, wrap_lines=True)
    if section.note:
        st.caption(section.note)


def _key_points(section: schema.KeyPointsSection, key: str) -> None:
    st.markdown("\n".join(f"- {point}" for point in section.points))


def _real_world(section: schema.RealWorldSection, key: str) -> None:
    with st.container(border=True):
        st.markdown(":material/apartment: **In practice**")
        show_markdown(section.body)


def _callout(section: schema.CalloutSection, key: str) -> None:
    show, icon = _CALLOUTS[section.kind]
    show(section.body, icon=icon)


def _figure(section: schema.FigureSection, key: str) -> None:
    try:
        params = section.parsed_params()
    except ValidationError:
        reasons = "; ".join(f"`{path.removeprefix('figure.params.')}` {message.split(': ', 1)[-1]}"
                            for path, message in figure_problems(section, "figure"))
        st.error(f"This figure cannot be shown: {reasons}. The rest of the lesson works; "
                 "`python -m engine validate` lists the problem with its line.", icon=":material/broken_image:")
        return
    # One module per registered figure name (tests/ui/test_app.py checks every name has one).
    importlib.import_module(f"ui.widgets.{section.name}").render(params)
    if section.caption:
        st.caption(section.caption)


def _quiz(section: schema.QuizSection, key: str, number_from: int = 1) -> int:
    from ui.components.question import render_numbered  # late: only lessons with practice load the quiz UI

    quiz = load_course().quizzes.get(section.quiz)
    if quiz is None:
        st.error(f"Quiz '{section.quiz}' is unavailable: its file is missing or has errors (see `python -m engine validate`).")
        return 0
    wanted = set(section.questions) or {item.id for item in quiz.questions}
    shown = [item for item in quiz.questions if item.id in wanted]
    for number, item in enumerate(shown, start=number_from):
        render_numbered(quiz, item, f"{key}-{item.id}", number, level=3)  # under the section's h2
    return len(shown)


def _lab(section: schema.LabSection, key: str) -> None:
    from ui.components.lab_panel import render_lab_section  # late: only the lab lesson loads the job queue

    render_lab_section(section)


_RENDERERS = {
    "markdown": _markdown,
    "analogy": _analogy,
    "code_compare": _code_compare,
    "key_points": _key_points,
    "real_world": _real_world,
    "callout": _callout,
    "figure": _figure,
    "lab": _lab,
}
