"""ui/pages/quiz.py and ui/components/question.py in the real app (AppTest): answer, feedback, format errors, solution."""

import subprocess
import sys

from engine.content.loader import load_course
from tests.apptest import open_page
from tests.conftest import ROOT

Q3 = "quiz-seed-q3-printed-output"


def _answer(at, key: str, raw: str, *, area: bool = False):
    (at.text_area if area else at.text_input)(key=f"in-{key}-0").input(raw)
    at.button(key=f"FormSubmitter:form-{key}-0-Submit").click()
    return at.run()


def test_quiz_page_is_deep_linkable_and_lists_every_question():
    at = open_page("quiz-seed")
    assert not at.exception
    assert at.title[0].value == "Practice: LoRA and QLoRA basics"
    assert [h.value for h in at.header] == [f"Question {n}" for n in range(1, 7)]  # h2 under the title
    assert any("model_size = 1000" in code.value for code in at.code)


def test_seed_q3_252_is_correct_and_the_solution_follows():
    at = _answer(open_page("quiz-seed"), Q3, "252")
    assert not at.exception
    assert any("Correct" in box.value for box in at.success)
    text = " ".join(md.value for md in at.markdown)
    assert "Final Answer:" in text and "int(1010 * 0.25) = int(252.5) = 252" in text and "Quick Check:" in text


def test_seed_q3_twelve_is_a_format_message_and_costs_no_attempt():
    at = _answer(open_page("quiz-seed"), Q3, "twelve")
    assert any("Can't read that answer" in box.value and "no attempt used" in box.value for box in at.warning)
    assert not at.success and not at.error
    recorded = at.session_state["quiz_attempts"] if "quiz_attempts" in at.session_state else {}
    assert recorded.get("seed/q3-printed-output", []) == []  # no attempt used


def test_a_named_mistake_is_shown_and_recorded():
    at = _answer(open_page("quiz-seed"), Q3, "253")
    assert any("Rounding instead of truncating" in box.value for box in at.error)
    attempts = at.session_state["quiz_attempts"]["seed/q3-printed-output"]
    assert attempts[-1]["mistake_id"] == "rounding" and attempts[-1]["answer"] == "253"


def test_worked_answer_shows_marks_per_step():
    at = _answer(open_page("quiz-seed"), "quiz-seed-q3-worked", "lora_model_size = 1000 + 10 = 1010\nint(1010 * 0.25) = 253", area=True)
    text = " ".join(md.value for md in at.markdown)
    assert ":green[:material/check_circle:] **Step 1**" in text and ":red[:material/cancel:] **Step 2**" in text
    assert "✅" not in text and "❌" not in text  # emoji draw as boxes without an emoji font


def test_choice_by_radio_and_show_solution_button():
    at = open_page("quiz-seed")
    key = "quiz-seed-q1-lora-purpose"
    at.radio(key=f"in-{key}-0").set_value(at.radio(key=f"in-{key}-0").options[1])
    at.button(key=f"FormSubmitter:form-{key}-0-Submit").click()
    at.run()
    assert any("Right" in box.value for box in at.success)
    # One tick: the feedback's own ✓, no ✅ prefix and no alert icon beside it.
    right = next(box for box in at.success if "Right" in box.value)
    assert right.value.count("✓") == 1 and "✅" not in right.value and right.icon == ""
    # Q1 has no params and keeps its option order: another variant would be the same question.
    assert not [b for b in at.button if b.key == f"again-{key}"]
    at.button(key="show-quiz-seed-q5-small-laptop").click()
    at.run()
    assert any("Option C" in md.value for md in at.markdown)


def test_lesson_quiz_section_renders_questions_inline():
    at = open_page("why-lora-qlora")
    assert not at.exception
    assert any(button.label == "Submit" for button in at.button)
    # Sections are h2; each inline question an h3 under its section, numbered once through the page
    # (two quiz sections used to show "Question 1" twice).
    assert "Practice" in [h.value for h in at.header]
    questions = [h.value for h in at.subheader if h.value.startswith("Question ")]
    assert len(load_course().quizzes["seed"].questions) <= len(questions)
    assert questions == [f"Question {n}" for n in range(1, len(questions) + 1)]
    assert len(questions) == sum(button.label == "Submit" for button in at.button)


def test_progress_counts_the_answer_graded_in_the_same_run():
    at = open_page("quiz-seed")
    total = len(at.header)
    assert at.progress[0].text == f"0 of {total} answered correctly"
    at = _answer(at, Q3, "252")
    assert at.progress[0].text == f"1 of {total} answered correctly"
    assert at.progress[0].value == 100 // total  # st.progress stores int(fraction * 100)


def test_a_wrong_answer_keeps_the_solution_closed_until_asked():
    at = _answer(open_page("quiz-seed"), Q3, "253")
    text = " ".join(md.value for md in at.markdown)
    assert "Final Answer:" not in text and not at.expander  # no solution is open on the page
    assert "int(1010 * 0.25) = int(252.5) = 252" not in text  # Q3's worked step stays hidden
    assert "Rounding instead of truncating" in " ".join(box.value for box in at.error)
    assert not any("rounding" in c.value or "Mistake:" in c.value for c in at.caption)  # the id stays internal
    assert not [b for b in at.button if b.key == f"again-{Q3}"]
    at = _answer(at, Q3, "252")  # the retry still counts
    assert any("Correct: 252." in box.value for box in at.success)


def test_show_solution_opens_it_and_hides_its_button():
    at = _answer(open_page("quiz-seed"), Q3, "253")
    at.button(key=f"show-{Q3}").click()
    at.run()
    assert not at.exception
    assert "int(1010 * 0.25) = int(252.5) = 252" in " ".join(md.value for md in at.markdown)
    assert not [b for b in at.button if b.key == f"show-{Q3}"]
    assert [b.label for b in at.button if b.key == f"again-{Q3}"] == ["Try another variant"]


def test_opening_a_quiz_page_does_not_import_torch():
    code = ("import sys; from tests.apptest import open_page; at = open_page('quiz-seed'); "
            "assert not at.exception; print('torch' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.stdout.strip().splitlines()[-1] == "False", run.stderr[-2000:]


def test_after_a_right_answer_another_variant_can_be_tried():
    def q3_snippet(at):
        return next(code.value for code in at.code if "qlora_model_size = int(" in code.value)

    at = _answer(open_page("quiz-seed"), Q3, "252")
    first = q3_snippet(at)
    at.button(key=f"again-{Q3}").click()
    at.run()
    assert not at.exception
    assert q3_snippet(at) != first  # a seeded variant now (equal by chance about once in 10,000)
    assert at.text_input(key=f"in-{Q3}-1").value == ""


def test_any_grading_failure_is_logged_and_shown_as_one_sentence(monkeypatch, caplog):
    # Issue 14, finding 2: the page caught only ValueError, so an OverflowError showed a traceback.
    import ui.components.question as question_component
    from engine.quiz.answer_key import variant_for
    from tests.quiz_helpers import seed_question

    def overflow(*args, **kwargs):
        raise OverflowError("int too large to convert to float")

    monkeypatch.setattr(question_component, "grade", overflow)
    question = seed_question("q3-printed-output")
    state = {"round": 0, "result": None, "format_error": None, "show": False}
    quiz = type("Quiz", (), {"id": "seed"})()
    with caplog.at_level("ERROR"):
        question_component._submit(quiz, question, variant_for(question, 0)[0], "252", state)
    assert state["result"] is None and "problem on our side" in state["format_error"]
    assert "OverflowError" not in state["format_error"] and "Traceback" not in state["format_error"]
    assert any("grading failed" in r.message and r.exc_info for r in caplog.records)


def test_the_checks_are_the_quick_check_of_the_solution():
    at = _answer(open_page("quiz-seed"), Q3, "252")
    text = " ".join(md.value for md in at.markdown)
    assert "**Quick Check:** 1010 * 0.25 = 252.5 -> 252 ✓" in text


def test_an_unreadable_answer_clears_the_old_grade_and_says_what_form_is_expected():
    # Issue 17, item 7: "Correct" stayed under an answer that could not be read.
    at = _answer(open_page("quiz-seed"), Q3, "252")
    assert any("Correct" in box.value for box in at.success)
    at = _answer(at, Q3, "twelve")
    assert not at.success and not at.error
    warning = " ".join(box.value for box in at.warning)
    assert "Can't read that answer" in warning and "Expected:" in warning and "Error" in warning


def test_multi_select_options_are_checkboxes_that_show_their_markdown():
    # Issue 17, item 7: options showed raw backticks; the solution names the letters the learner saw.
    at = open_page("quiz-qlora")
    key = "quiz-qlora-qlora-bnb-config"
    boxes = [box for box in at.checkbox if box.key.startswith(f"in-{key}-0-")]
    assert len(boxes) == 5 and any("`load_in_4bit=True`" in box.label for box in boxes)  # Markdown, drawn as code
    right = [box for box in boxes if "4bit=True" in box.label or "nf4" in box.label or "double_quant" in box.label]
    for box in right:
        box.check()
    at.button(key=f"FormSubmitter:form-{key}-0-Submit").click()
    at.run()
    assert any("✓" in box.value for box in at.success)
    letters = sorted(box.label[0] for box in right)
    final = next(md.value for md in at.markdown if md.value.startswith("**Final Answer:**"))
    assert f"{letters[0]}, {letters[1]} and {letters[2]}" in final
