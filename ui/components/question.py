"""One practice question: input fitting its type, Submit → feedback; the solution opens on a
right answer or on "Show solution", never after a wrong one, so a retry still counts.

Used by quiz pages (ui/pages/quiz.py) and inline by lesson `quiz` sections (ui/components/sections.py); both
draw each question through `render_numbered` (a bordered box headed "Question N").
Parse errors ("twelve") show a message and cost no attempt (STYLE.md §4); any other failure of
parse or grade is logged with its traceback and shown as one plain sentence. Attempts
live in `st.session_state`; `record_attempt` is the one place they are stored,
and it hands them to the progress store too.
"""

from __future__ import annotations

import logging
import uuid

import streamlit as st

from engine.quiz.answer_key import has_variants, variant_for
from engine.quiz.grading import AnswerFormatError, GradeResult, grade, parse
from engine.quiz.types import type_of
from engine.quiz.variants import render, render_snippet, variant_seed
from ui.components.solution import render_feedback, render_solution

_log = logging.getLogger(__name__)


def learner_id() -> str:
    """Whose variants these are: the signed-in learner (the same numbers on every visit),
    else this browser session."""
    from ui.components.identity import variant_owner

    return variant_owner() or st.session_state.setdefault("learner_id", uuid.uuid4().hex)


def record_attempt(quiz_id: str, question_id: str, seed: int, raw: str, result: GradeResult, *,
                   parsed=None, params: dict | None = None, solution_seen: bool = False) -> None:
    """Store one graded attempt: in this session, and in the progress store when a learner is signed in.
    `solution_seen`: this variant's solution was open before the answer was submitted."""
    attempts = st.session_state.setdefault("quiz_attempts", {})
    attempts.setdefault(f"{quiz_id}/{question_id}", []).append(
        {"seed": seed, "answer": raw, "solution_seen": solution_seen, **result.model_dump()})
    from ui.components.identity import save_attempt  # engine/progress/store.py; a no-op when nobody is signed in

    save_attempt(quiz_id, question_id, seed=seed, raw=raw, parsed=parsed, result=result, params=params,
                 solution_seen=solution_seen)


def attempts_of(quiz_id: str, question_id: str) -> list[dict]:
    return st.session_state.get("quiz_attempts", {}).get(f"{quiz_id}/{question_id}", [])


def render_numbered(quiz, question, key_prefix: str, number: int, *, level: int = 2) -> None:
    """Question `number` in its own bordered box, headed "Question N" at heading `level`: 2 on a quiz
    page (under its title), 3 under a lesson's section or another h2, so headings never skip a level.
    Before the first, a learner nobody signed in as is told where their answers go."""
    if number == 1:
        _unsigned_note()
    with st.container(border=True):
        (st.header if level == 2 else st.subheader)(f"Question {number}")
        render_question(quiz, question, key_prefix)


def _unsigned_note() -> None:
    from ui.components import browser_session, identity

    if identity.oidc_configured():
        signed_in = bool(st.user.is_logged_in)
    else:
        signed_in = bool(st.session_state.get(identity.CODE_KEY)) or browser_session.learner_id() is not None
    if not signed_in:
        st.caption(":material/info: You are not signed in. Your answers here are kept for a day and added to "
                   "your progress when you sign in (on the Your progress page).")


def render_question(quiz, question, key_prefix: str, *, seed: int | None = None) -> None:
    """One question; `seed` pins its variant (practice picks a fresh one), else the learner's round's."""
    key = f"{key_prefix}-{question.id}"
    state = st.session_state.setdefault(f"q-state-{key}", {"round": 0, "result": None, "format_error": None, "show": False})
    if seed is None:
        seed = variant_seed(learner_id(), f"{quiz.id}/{question.id}", state["round"], fixed_first=question.fixed_first_variant)
    try:
        variant, _ = variant_for(question, seed)
    except Exception:  # content that fails to compute: an error box, never a traceback
        _log.exception("question %s/%s cannot be shown (seed %s)", quiz.id, question.id, seed)
        st.error(f"Question '{question.id}' cannot be shown because of a problem in its content; it has been logged.")
        return
    st.markdown(render(question.prompt, variant.values))
    if getattr(question, "snippet", None):
        st.code(render_snippet(question.snippet, variant.values).rstrip(), language="python")
    with st.form(key=f"form-{key}-{state['round']}"):
        raw = _answer_input(question, variant, f"{key}-{state['round']}")  # a new variant gets a fresh input
        submitted = st.form_submit_button("Submit")
    if submitted:
        _submit(quiz, question, variant, raw, state)
    if state["format_error"]:
        st.warning(f"Can't read that answer: {state['format_error']} (no attempt used)", icon=":material/edit_note:")
    if state["result"]:
        render_feedback(GradeResult.model_validate(state["result"]))
    # A wrong answer leaves the solution closed so that a retry still means something (there is
    # no attempt limit in quizzes/*.yaml). Callbacks change `state` before the rerun draws the
    # page, so a click shows at once (docs.streamlit.io, "Button behavior and examples").
    opened = state["show"] or bool(state["result"] and state["result"]["correct"])
    if not opened:
        st.button("Show solution", key=f"show-{key}", icon=":material/visibility:",
                  on_click=state.update, kwargs={"show": True})
        return
    render_solution(question, variant)
    if has_variants(question):
        st.button("Try another variant", key=f"again-{key}", icon=":material/refresh:", on_click=_next_round, args=(state,))


def _next_round(state: dict) -> None:
    state.update(round=state["round"] + 1, result=None, format_error=None, show=False)


def _answer_input(question, variant, key: str) -> str:
    """The input the question's type asks for (engine/quiz/types/), as raw text for `parse`."""
    asked = type_of(question).answer_input(question, variant)
    if asked.kind == "several":
        return _tick_every(asked.label, asked.options, key)
    if asked.kind == "one":
        picked = st.radio(asked.label, asked.options, index=None, key=f"in-{key}")
        return picked[0] if picked else ""
    if asked.kind == "lines":
        return st.text_area(asked.label, key=f"in-{key}", help=asked.help, height=120)
    return st.text_input(asked.label, key=f"in-{key}", help=asked.help)


def _tick_every(prompt: str, labels: list[str], key: str) -> str:
    """One checkbox per option, all in view, and a "Select all" that ticks them (a form button whose
    callback sets the boxes before the rerun draws them). Checkboxes rather than a multiselect: its
    "Clear all" button sat next in the Tab order, where Enter, meant for Submit, wiped the answer."""
    boxes = [f"in-{key}-{label[0]}" for label in labels]
    st.markdown(prompt)
    st.form_submit_button("Select all", key=f"all-{key}", on_click=lambda: st.session_state.update(
        dict.fromkeys(boxes, True)))
    return " ".join(label[0] for label, box in zip(labels, boxes) if st.checkbox(label, key=box))


def _submit(quiz, question, variant, raw: str, state: dict) -> None:
    try:
        parsed = parse(question, raw, variant)
        result = grade(question, variant, parsed)
    except AnswerFormatError as exc:  # a new answer replaces the old feedback, even one that cannot be read
        state.update(format_error=str(exc), result=None)
        return
    except Exception:  # noqa: BLE001 - any failure: the details go to the server log, never to the learner
        _log.exception("grading failed: quiz %s, question %s, seed %s, answer %r", quiz.id, question.id,
                       variant.seed, raw[:200])
        state.update(format_error="this answer could not be graded because of a problem on our side; it was not counted",
                     result=None)
        return
    state.update(format_error=None, result=result.model_dump())
    record_attempt(quiz.id, question.id, variant.seed, raw, result, parsed=parsed, params=variant.values,
                   solution_seen=state["show"])  # "Show solution" was clicked for this variant

