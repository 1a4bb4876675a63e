"""One practice question: input fitting its type, Submit → feedback, then the solution.

Used by quiz pages (ui/quiz.py) and inline by lesson `quiz` sections (ui/sections.py calls
`render_question` for each question).
Parse errors ("twelve") show a message and cost no attempt (STYLE.md §4). Attempts
live in `st.session_state` for now; `record_attempt` is the one place they are stored,
for the progress database to hook into.
"""

from __future__ import annotations

import uuid

import streamlit as st

from engine.answer_key import variant_for
from engine.grading import AnswerFormatError, GradeResult, grade, parse
from engine.variants import render, variant_seed
from ui.solution import render_feedback, render_solution

_INPUT_HELP = {
    "numeric": "A number; a unit is optional (e.g. 14 GB, 13.04 GiB, 65536 params).",
    "code_output": "Exactly what it prints, or Error if it raises.",
    "fix_expression": "A Python expression using the snippet's names.",
    "worked": "One step per line: `name = expression = value` or `expression = value`.",
}


def learner_id() -> str:
    """This browser session's learner id (the progress store may replace it with a real one)."""
    return st.session_state.setdefault("learner_id", uuid.uuid4().hex)


def record_attempt(quiz_id: str, question_id: str, seed: int, raw: str, result: GradeResult) -> None:
    """Store one graded attempt. Hook for engine/progress.py's record_attempt (another issue)."""
    attempts = st.session_state.setdefault("quiz_attempts", {})
    attempts.setdefault(f"{quiz_id}/{question_id}", []).append({"seed": seed, "answer": raw, **result.model_dump()})


def attempts_of(quiz_id: str, question_id: str) -> list[dict]:
    return st.session_state.get("quiz_attempts", {}).get(f"{quiz_id}/{question_id}", [])


def render_question(quiz, question, key_prefix: str) -> None:
    key = f"{key_prefix}-{question.id}"
    state = st.session_state.setdefault(f"q-state-{key}", {"round": 0, "result": None, "format_error": None, "show": False})
    seed = variant_seed(learner_id(), f"{quiz.id}/{question.id}", state["round"], fixed_first=question.fixed_first_variant)
    try:
        variant, _ = variant_for(question, seed)
    except Exception as exc:  # content that fails to compute: an error box, never a traceback
        st.error(f"Question '{question.id}' cannot be shown: {exc}")
        return
    st.markdown(render(question.prompt, variant.values))
    if getattr(question, "snippet", None):
        st.code(render(question.snippet, variant.values).rstrip(), language="python")
    with st.form(key=f"form-{key}-{state['round']}"):
        raw = _answer_input(question, variant, f"{key}-{state['round']}")  # a new variant gets a fresh input
        submitted = st.form_submit_button("Submit")
    if submitted:
        _submit(quiz, question, variant, raw, state)
    if state["format_error"]:
        st.warning(f"Can't read that answer: {state['format_error']} (no attempt used)", icon="✏️")
    if state["result"]:
        render_feedback(GradeResult.model_validate(state["result"]))
    left, right = st.columns(2)
    if left.button("Show solution", key=f"show-{key}"):
        state["show"] = True
    if state["result"] and state["result"]["correct"] and right.button("Try another variant", key=f"again-{key}"):
        state.update(round=state["round"] + 1, result=None, show=False)
        st.rerun()
    if state["show"] or state["result"]:
        render_solution(question, variant)


def _answer_input(question, variant, key: str) -> str:
    if question.type == "choice":
        labels = [f"{chr(65 + i)}. {render(question.options[j].text, variant.values)}" for i, j in enumerate(variant.order)]
        if question.multiple:
            picked = st.multiselect("Tick every correct option", labels, key=f"in-{key}")
            return " ".join(label[0] for label in picked)
        picked = st.radio("Your answer", labels, index=None, key=f"in-{key}")
        return picked[0] if picked else ""
    if question.type == "worked":
        return st.text_area("Your working", key=f"in-{key}", help=_INPUT_HELP["worked"], height=120)
    return st.text_input("Your answer", key=f"in-{key}", help=_INPUT_HELP[question.type])


def _submit(quiz, question, variant, raw: str, state: dict) -> None:
    try:
        parsed = parse(question, raw, variant)
    except AnswerFormatError as exc:
        state["format_error"] = str(exc)
        return
    try:
        result = grade(question, variant, parsed)
    except ValueError as exc:  # broken content must not take the page down
        state["format_error"] = f"this question could not be graded ({exc}); please report it"
        return
    state.update(format_error=None, result=result.model_dump())
    record_attempt(quiz.id, question.id, variant.seed, raw, result)

