"""Practice my weak spots (/practice): the engine picks the question that one more practice
is expected to teach the learner most from (after a slip, the skill behind it; a skill not
practised yet; then the most expected gain, reviews included: engine/practice/next_question.py)
and says why. The pick stays until "Next question", so the feedback on an answer is not
replaced by the next question at once."""

from __future__ import annotations

import streamlit as st

from engine.content.loader import load_course
from ui.components import identity, learner_summary
from ui.components.question import render_question

PICK = "practice-pick"  # session state: the question on screen, as Pick.as_dict()


def render() -> None:
    from engine.progress.store import StoreError

    st.title("Practice my weak spots")
    st.markdown("Questions chosen for you where one more practice is likely to teach you most: the skills you "
                "have not mastered yet, the slip you just made, and what you may have forgotten since.")
    db = identity.store()
    if db is None:
        st.stop()
    learner = identity.sign_in(db)
    if learner is None:
        st.caption("Sign in to practise: the engine picks questions from your own answers.")
        st.stop()
    try:
        _page(db, learner)
    except StoreError as exc:
        st.error(f"Practice cannot read your answers right now. {exc}")


def _page(db, learner) -> None:
    from engine.practice.next_question import next_for

    course = load_course()
    pick, catalogue = next_for(db, learner.id, course)
    shown = st.session_state.get(PICK)
    if not (shown and shown["learner"] == learner.id and _answered(shown)):  # else keep its feedback on screen
        shown = st.session_state[PICK] = {"learner": learner.id, **pick.as_dict()}
    if shown["question"] is None:
        if shown["kind"] == "empty":
            st.error(shown["reason"])
            return
        st.success(f"Nothing to practise right now. {shown['reason']}", icon=":material/celebration:")
        learner_summary.mastery_table(catalogue, db, learner.id)
        return
    quiz = course.quizzes.get(shown["quiz"])
    question = quiz.question(shown["question"]) if quiz else None
    if question is None:  # the content changed under us: choose again
        st.session_state.pop(PICK, None)
        st.rerun()
    st.info(f"**Why this question:** {shown['reason']}", icon=":material/psychology:")
    st.caption("Trains: " + ", ".join(catalogue.skills.title(s) for s in shown["skills"]) + f" · from {quiz.title}")
    with st.container(border=True):
        render_question(quiz, question, f"practice-{shown['seed']}", seed=shown["seed"])
    if _answered(shown):
        st.button("Next question", type="primary", icon=":material/arrow_forward:", key="practice-next",
                  on_click=st.session_state.pop, args=(PICK, None))
    with st.expander("Your mastery by skill"):
        learner_summary.mastery_table(catalogue, db, learner.id)


def _answered(shown: dict) -> bool:
    """Whether the question on screen was answered here (ui/components/question.py's state)."""
    return bool((st.session_state.get(f"q-state-practice-{shown['seed']}-{shown['question']}") or {}).get("result"))
