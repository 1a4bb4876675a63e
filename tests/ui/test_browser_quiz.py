"""The practice flow as a learner uses it: a real server, Chromium, typed answers and clicks.

Covers ui/pages/quiz.py, ui/components/question.py and ui/components/solution.py end to end on the seed quiz
(quizzes/seed.yaml) and its inline copy in lesson 1. Expected answers are computed
from the numbers the page itself shows, never assumed. Screenshots go to
artifacts/screenshots/quiz-*.png for a human look.
"""

from __future__ import annotations

import re

import pytest

from engine.content.loader import load_course
from tests.browser import browser_page, require_browser, screenshot, streamlit_server
from tests.quiz_helpers import shipped

pytestmark = pytest.mark.slow

SUBMIT = "Submit"


@pytest.fixture(scope="module")
def base():
    """One `streamlit run app.py` for the module; each test opens its own browser session."""
    require_browser()
    with streamlit_server() as url:
        yield url


def question_box(page, number: int):
    """The bordered container of quiz question `number` (its innermost block holding the heading)."""
    heading = page.get_by_role("heading", name=f"Question {number}", exact=True)
    heading.wait_for()
    return heading.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")


def number_of(question_id: str) -> int:
    """The question's number on /quiz-seed ("Question N"): its place in quizzes/seed.yaml."""
    return 1 + [q.id for q in shipped("seed").questions].index(question_id)


def shown_values(box) -> dict[str, float]:
    """`name = number` assignments from the snippet the page shows (the variant in front of the learner)."""
    code = box.locator("pre code").first.inner_text()  # the snippet, not inline `code` in the prompt
    return {m[1]: float(m[2]) for m in re.finditer(r"^(\w+) = ([0-9.]+)", code, flags=re.M)}


def answer(box, text: str) -> None:
    box.get_by_role("textbox", name="Your answer", exact=True).fill(text)
    box.get_by_role("button", name=SUBMIT).click()


def expect_text(box, text: str):
    from playwright.sync_api import expect

    found = box.get_by_text(text).first
    expect(found).to_be_visible()
    return found


def test_printed_output_format_error_then_mistake_then_correct(base):
    from playwright.sync_api import expect

    with browser_page() as page:
        page.goto(f"{base}/quiz-seed")
        box = question_box(page, number_of("q3-printed-output"))
        expect(box.get_by_text("What is the printed output?")).to_be_visible()
        v = shown_values(box)
        total = (v["model_size"] + v["lora_size"]) * v["quantization_factor"]  # MB, before int()
        right, rounded = int(total), int(total + 0.5)
        assert right != rounded, f"the shown variant {v} cannot tell rounding from truncating"

        answer(box, "twelve")
        expect_text(box, "Can't read that answer")
        expect_text(box, "'twelve' is not a number")
        expect_text(box, "no attempt used")
        screenshot(page, "quiz-seed-q3-format-error")

        answer(box, str(rounded))
        expect_text(box, "Rounding instead of truncating")
        expect(box.get_by_text("Can't read that answer")).to_have_count(0)
        expect(box.get_by_text(f"Correct: {right}.")).to_have_count(0)
        expect(box.get_by_test_id("stExpander")).to_have_count(0)  # a retry must still mean something
        expect(box.get_by_text("rounding", exact=True)).to_have_count(0)  # the internal mistake id stays out of sight
        expect(box.get_by_role("button", name="Show solution")).to_be_visible()
        screenshot(page, "quiz-seed-q3-rounding-mistake")

        answer(box, str(right))
        expect_text(box, f"Correct: {right}.")
        expect(box.get_by_test_id("stExpander")).to_have_count(1)  # waits out the previous run's copy
        solution = box.get_by_test_id("stExpander").filter(has_text="Solution")
        for part in ("Step 1: Calculate the LoRA model size", "Step 2: Apply the snippet's compression",
                     "Step 3: What real QLoRA does",
                     "Final Answer:", "Quick Check:", "Common mistakes", "Forgetting that"):
            expect(solution.get_by_text(part).first).to_be_visible()
        expect(solution).to_contain_text(f"Final Answer: {right}")
        expect(box.get_by_role("button", name="Show solution")).to_have_count(0)
        expect(box.get_by_role("button", name="Try another variant")).to_be_visible()
        screenshot(page, "quiz-seed-q3-correct")


def test_fix_expression_refuses_a_hard_coded_number(base):
    from playwright.sync_api import expect

    with browser_page() as page:
        page.goto(f"{base}/quiz-seed")
        box = question_box(page, number_of("q4-fix-precedence"))  # the seed's Q4, 5th on the page
        v = shown_values(box)
        fixed = round((v["model_size"] + v["lora_size"]) * v["quantization_factor"], 9)

        answer(box, f"{fixed:g}")
        expect_text(box, "hard-coded number")
        expect_text(box, "no attempt used")
        screenshot(page, "quiz-seed-q4-hard-coded")

        answer(box, "(model_size + lora_size) * quantization_factor")
        expect_text(box, "fixes it")
        expect(box.get_by_text("hard-coded number")).to_have_count(0)
        expect(box.get_by_test_id("stExpander")).to_have_count(1)
        expect(box.get_by_test_id("stExpander")).to_contain_text("Final Answer:")
        screenshot(page, "quiz-seed-q4-correct")


def test_choice_question_by_clicking_an_option(base):
    from playwright.sync_api import expect

    with browser_page() as page:
        page.goto(f"{base}/quiz-seed")
        box = question_box(page, number_of("q1-lora-purpose"))
        box.get_by_text("B. To add small trainable parts").click()
        expect(box.get_by_role("radio").nth(1)).to_be_checked()
        box.get_by_role("button", name=SUBMIT).click()
        expect_text(box, "Right: only the small added low-rank matrices are trained")
        expect(box.get_by_test_id("stAlertContentSuccess")).to_be_visible()
        expect(box.get_by_test_id("stAlertContentSuccess")).to_have_text(re.compile(r"^[^✓✅]*✓[^✓✅]*$"))  # one tick
        expect(box.get_by_role("button", name="Try another variant")).to_have_count(0)  # Q1 has one variant
        screenshot(page, "quiz-seed-q1-correct")


def test_progress_bar_counts_the_answer_just_given(base):
    from playwright.sync_api import expect

    total = len(shipped("seed").questions)
    with browser_page() as page:
        page.goto(f"{base}/quiz-seed")
        box = question_box(page, number_of("q1-lora-purpose"))
        box.get_by_text("B. To add small trainable parts").click()
        box.get_by_role("button", name=SUBMIT).click()
        expect_text(box, "Right: only the small added low-rank matrices are trained")
        expect(page.get_by_text(f"1 of {total} answered correctly")).to_be_visible()


def lesson_questions(lesson_id: str) -> list:
    """Every question the lesson's `quiz` sections show, in page order."""
    course = load_course()
    shown = []
    for section in course.lesson(lesson_id).sections:
        if section.type == "quiz":
            wanted = set(section.questions) or {q.id for q in course.quizzes[section.quiz].questions}
            shown += [q for q in course.quizzes[section.quiz].questions if q.id in wanted]
    return shown


def test_lesson_shows_its_practice_questions_inline(base):
    from playwright.sync_api import expect

    questions = lesson_questions("why-lora-qlora")
    assert {"q1-lora-purpose", "q3-printed-output", "q4-fix-precedence"} <= {q.id for q in questions}
    with browser_page() as page:
        page.goto(f"{base}/why-lora-qlora")
        page.get_by_role("heading", name="Practice", exact=True).wait_for()
        for question in questions:
            lead = re.split(r"[`{*$\n]", question.prompt)[0].strip()[:40]  # plain text before any markup
            expect(page.get_by_text(lead).first).to_be_visible()
        expect(page.get_by_role("button", name=SUBMIT)).to_have_count(len(questions))
        expect(page.get_by_role("heading", name="Question 1", exact=True).first).to_be_visible()

        # The inline copy grades too: the seed's first choice question, answered right.
        form = page.get_by_test_id("stForm").filter(has_text="B. To add small trainable parts")
        form.get_by_text("B. To add small trainable parts").click()
        form.get_by_role("button", name=SUBMIT).click()
        expect(page.get_by_text("Right: only the small added low-rank matrices are trained").first).to_be_visible()
        screenshot(page, "quiz-lesson-why-lora-qlora-inline")
