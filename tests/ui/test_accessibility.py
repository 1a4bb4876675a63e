"""Accessibility in Chromium against `streamlit run app.py`, one server for every check:

1. axe-core (axe-playwright-python, its bundled axe) on every page, signed out and signed in, on
   a quiz page after one answer of every question type, and on the lab's results: no violation
   from the app's own content. Violations that Streamlit itself causes are allowed only where
   ALLOWED names the rule, the Streamlit element it sits in and the upstream cause;
2. keyboard only: Tab, typing, Space and Enter answer and submit one question of every type;
3. at 390×844 (a phone), Home, a lesson, a quiz and the lab scroll only up and down.

Screenshots go to artifacts/screenshots/a11y-*.png."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from engine.content.loader import load_course
from tests.browser import browser_page, require_browser, screenshot, streamlit_server

pytestmark = pytest.mark.slow
COURSE = load_course()
PAGES = ["home", *(lesson.id for lesson in COURSE.lessons), *(f"quiz-{quiz}" for quiz in COURSE.quizzes),
         "practice", "lab", "memory", "progress", "instructor"]
EVERY_TYPE = "lora-low-rank-update"  # its quiz has numeric, worked, choice, code_output, fix_expression, choice*


@dataclass(frozen=True)
class Allowed:
    rule: str  # the axe rule id
    inside: str  # a CSS selector: only nodes inside such an element are allowed
    cause: str  # why it is Streamlit's, not ours


ALLOWED = (
    Allowed("list", "[data-testid='stSidebarNav']",
            "Streamlit's sidebar navigation (st.navigation) puts each section's <header> and items in a <div> "
            "inside its <ul>, so the list holds other elements than <li> (frontend SidebarNav's NavSection)"),
    Allowed("listitem", "[data-testid='stSidebarNav']",
            "the same nav: the <li> of a section sit in that <div>, not directly in the <ul>"),
    Allowed("color-contrast", "[data-testid='stCode'] .token",
            "st.code's syntax highlighting draws comments in #808495 and numbers in #29B09D on its #F9F8FD "
            "background (3.6:1, 2.6:1); no theme option reaches the highlighter's token colours (our textColor "
            "and codeTextColor do not)"),
    Allowed("scrollable-region-focusable", "[data-testid='stCode']",
            "st.code draws a long line in a <pre> that scrolls sideways but takes no keyboard focus"),
)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One server for the module: its own data folder, and the lab's fast stand-in run."""
    require_browser()
    data = tmp_path_factory.mktemp("a11y")
    env = {"LORA_LAB_DATA": str(data), "DATABASE_URL": "", "LORA_LAB_RUNS": str(data / "runs"),
           "LORA_LAB_JOB_TARGET": "tests.ui.test_lab_page:fake_run_lab", "INSTRUCTOR_PASSWORD": "a11y"}
    with streamlit_server(env) as url:
        yield url


def settle(page) -> None:
    """Wait until the script has run and nothing is left to draw (axe on a page mid-rerun would see
    the faded, stale elements Streamlit shows meanwhile)."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for()
    page.get_by_test_id("stSidebarNav").wait_for(state="attached")  # hidden in the closed sidebar of a phone
    page.wait_for_timeout(300)  # the last deltas paint


def app_violations(page) -> list[str]:
    """axe's violations on the page, less the allowed Streamlit ones, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    found = []
    for violation in Axe().run(page).response["violations"]:
        allowed = [a.inside for a in ALLOWED if a.rule == violation["id"]]
        for node in violation["nodes"]:
            target = node["target"][0]
            if allowed and page.evaluate("([target, inside]) => !!document.querySelector(target)?.closest(inside)",
                                         [target, ",".join(allowed)]):
                continue
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {target}, "
                         f"{node.get('html', '')[:160]}: {node.get('failureSummary', '')[:200]}")
    return found


def test_every_page_has_no_violation_of_its_own(base):
    problems = {}
    with browser_page() as page:
        for path in PAGES:
            page.goto(f"{base}/{path}")
            settle(page)
            if found := app_violations(page):
                problems[path] = found
    assert not problems, problems


def test_signed_in_pages_have_no_violation_of_their_own(base):
    problems = {}
    with browser_page() as page:
        page.goto(f"{base}/progress")
        page.get_by_label("Display name").fill("Axe")
        page.get_by_role("button", name="Start").click()
        page.get_by_text("Signed in as Axe").wait_for()
        for path in ("progress", "home", "practice"):
            page.goto(f"{base}/{path}")
            settle(page)
            if found := app_violations(page):
                problems[path] = found
        screenshot(page, "a11y-practice-signed-in")
    assert not problems, problems


def tab_to(page, box, role: str, name: str | None = None, limit: int = 60):
    """Press Tab until the focus is on an element of `role` (and accessible `name`) inside `box`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => { const e = document.activeElement; return [e.getAttribute('role') || "
                                "({INPUT: e.type === 'checkbox' ? 'checkbox' : e.type === 'radio' ? 'radio' : 'textbox', "
                                "TEXTAREA: 'textbox', BUTTON: 'button'})[e.tagName] || e.tagName, "
                                "(e.getAttribute('aria-label') || e.innerText || '').trim()] }")
        inside = box.evaluate("b => b.contains(document.activeElement)")
        if inside and focused[0] == role and (name is None or focused[1] == name):
            return
    raise AssertionError(f"Tab never reached a {role} {name or ''} in the question")


def question(page, number: int):
    heading = page.get_by_role("heading", name=f"Question {number}", exact=True)
    return heading.locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")


def expect_graded(box) -> None:
    from playwright.sync_api import expect

    expect(box.get_by_test_id("stAlert").first).to_be_visible()


def test_keyboard_alone_answers_every_question_type(base):
    from playwright.sync_api import expect

    quiz = COURSE.quizzes[EVERY_TYPE]
    kinds = {q.type + ("-multiple" if getattr(q, "multiple", False) else ""): n
             for n, q in enumerate(quiz.questions, start=1)}
    assert set(kinds) == {"numeric", "worked", "choice", "code_output", "fix_expression", "choice-multiple"}
    with browser_page() as page:
        page.goto(f"{base}/quiz-{EVERY_TYPE}")
        settle(page)
        for kind in ("numeric", "code_output", "fix_expression"):  # a text box: Enter submits the form
            box = question(page, kinds[kind])
            tab_to(page, box, "textbox")
            page.keyboard.type("d_in * 2" if kind == "fix_expression" else "12")
            page.keyboard.press("Enter")
            expect_graded(box)
        box = question(page, kinds["worked"])
        tab_to(page, box, "textbox")
        page.keyboard.type("1 + 1 = 2")
        tab_to(page, box, "button", "Submit")  # Enter in a text area is a new line: Tab on to Submit
        page.keyboard.press("Enter")
        expect_graded(box)
        box = question(page, kinds["choice"])
        tab_to(page, box, "radio")
        page.keyboard.press("Space")
        tab_to(page, box, "button", "Submit")
        page.keyboard.press("Enter")
        expect_graded(box)
        box = question(page, kinds["choice-multiple"])
        tab_to(page, box, "checkbox")
        page.keyboard.press("Space")
        expect(box.get_by_role("checkbox").first).to_be_checked()
        tab_to(page, box, "button", "Submit")  # nothing between the options and Submit clears them
        page.keyboard.press("Enter")
        expect_graded(box)
        settle(page)  # while a rerun runs, Streamlit fades the old elements: low contrast that is not ours
        screenshot(page, "a11y-keyboard-every-type")
        assert app_violations(page) == []  # with feedback and solutions open

        box = question(page, kinds["choice-multiple"])
        tab_to(page, box, "button", "Select all")
        page.keyboard.press("Enter")
        for checkbox in box.get_by_role("checkbox").all():
            expect(checkbox).to_be_checked()


def test_lab_results_have_no_violation_of_their_own(base):
    with browser_page() as page:
        page.goto(f"{base}/lab")
        page.get_by_role("button", name="Start").click()
        page.get_by_role("heading", name="Results").wait_for(timeout=90_000)
        settle(page)
        found = app_violations(page)
        screenshot(page, "a11y-lab-results")
    assert found == []


@pytest.mark.parametrize("path", ["home", COURSE.lessons[0].id, f"quiz-{EVERY_TYPE}", "lab"])
def test_a_phone_screen_scrolls_only_up_and_down(base, path):
    from playwright.sync_api import expect

    with browser_page(width=390, height=844) as page:
        page.goto(f"{base}/{path}")
        settle(page)
        expect(page.get_by_role("heading", level=1)).to_be_in_viewport()
        wide = page.evaluate("""() => {
            const root = document.scrollingElement, main = document.querySelector("[data-testid='stMain']");
            return {page: root.scrollWidth - root.clientWidth, main: main.scrollWidth - main.clientWidth};
        }""")
        screenshot(page, f"a11y-phone-{path}")
        assert wide == {"page": 0, "main": 0}, f"/{path} scrolls sideways by {wide} px at 390 px wide"
