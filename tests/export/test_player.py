"""The exported items in a real QTI 3 player: Citolab's qti-components (npm, installed by tests/run.sh into
tests/export/player/) in Debian's Chromium. For every shipped question's default variant the test answers
as a learner would (clicks an option, types into the player's own input), runs the item's response
processing in the player, and reads the player's outcome:

- the right answer scores 1;
- one named mistake (an option linked to a common mistake, or the first mistake with a value) scores
  below 1, the same score the engine gives that answer, and the player shows that mistake's feedback;
- a fix_expression item (exported for manual scoring) is answerable and gets no automatic score.

One player page for all items (each item replaces the last), served from memory through Playwright's
routing: nothing is fetched from the network. About 40 items; a screenshot goes to artifacts/screenshots/.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

from engine.content.loader import load_course
from engine.export.qti_item import SOLUTION, slip_identifier
from engine.export.qti_package import export_qti
from engine.quiz.answer_key import variant_for
from engine.quiz.types import type_of
from engine.quiz.grading import GradeResult, grade_answer
from engine.quiz.matching import agrees, read_number
from engine.quiz.precision import precision_of
from engine.quiz.numbers import number_text
from engine.quiz.portable import Choices, Essay, Number, Text
from tests.browser import browser_page, require_browser, screenshot

pytestmark = pytest.mark.slow

PLAYER = Path(__file__).parent / "player"
PLAYER_JS = PLAYER / "node_modules" / "@citolab" / "qti-components" / "cdn" / "index.js"
ORIGIN = "http://qti-player.test"  # answered by the route below, never by a network
COURSE = load_course()
QUESTIONS = [(quiz, question) for quiz in COURSE.quizzes.values() for question in quiz.questions]


def require_player() -> None:
    if PLAYER_JS.exists():
        return
    reason = f"the QTI player is not installed ({PLAYER_JS}); bash tests/run.sh installs it with npm"
    if os.environ.get("LORA_LAB_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def page():
    require_browser()
    require_player()
    package = export_qti([quiz for quiz in COURSE.quizzes.values()], variants=1)  # the default variants
    files = {"/": (PLAYER / "index.html").read_bytes(), "/player/index.js": PLAYER_JS.read_bytes(),
             **{f"/{path}": data for path, data in package.files.items()}}

    def serve(route) -> None:
        path = urlparse(route.request.url).path
        kind = {".js": "text/javascript", ".xml": "application/xml"}.get(Path(path).suffix, "text/html")
        if path in files:
            route.fulfill(status=200, body=files[path], headers={"content-type": kind})
        else:
            route.fulfill(status=404, body="")

    with browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.route(f"{ORIGIN}/**", serve)
        page.goto(f"{ORIGIN}/")
        page.wait_for_function("window.playerReady === true")
        yield page
        assert errors == [], errors


def play(page, path: str, answer) -> dict:
    """Load the item, answer it as a learner (a list of option letters to click, or text to type), score it."""
    page.evaluate("(url) => loadItem(url)", f"/{path}")
    if isinstance(answer, list):
        for letter in answer:
            page.locator(f'qti-simple-choice[identifier="{letter}"]').click()
    else:
        box = page.locator("qti-text-entry-interaction input, qti-extended-text-interaction textarea").first
        box.press_sequentially(answer)
    return page.evaluate("() => scoreItem()")


def engine_grade(question, raw: str):
    """The engine's grade of `raw`. A worked answer is graded line by line in the app; what the export keeps is
    its final result, so that is graded by the same rule as the app's final step (within the tolerance)."""
    if question.type != "worked":
        return grade_answer(question, raw)
    value, key = float(raw), variant_for(question, 0)[1]
    named = next((m for m, v in key.mistakes.items() if isinstance(v, (int, float)) and agrees(read_number(raw, None), v, question)), None)
    right = precision_of(question).allows(value, key.value)
    return GradeResult(score=1 if right else 0, correct=right, feedback="", mistake_id=None if right else named)


def typed(value: float, low: float, high: float) -> str:
    """A number as a learner types it: the engine's own display, unless that falls outside the range."""
    text = number_text(value).replace(",", "")
    return text if low <= float(text) <= high else repr(value)


def answers(question, item):
    """(right answer, engine's raw right answer), (a mistake, its raw answer, the feedback it must show)."""
    if isinstance(item, Choices):
        letters = [chr(65 + i) for i, o in enumerate(item.options) if o.correct]
        wrong = next((k for k, o in enumerate(item.options) if not o.correct and o.mistake), None)
        wrong = wrong if wrong is not None else next(k for k, o in enumerate(item.options) if not o.correct)
        picked = ([*letters[1:]] if item.multiple else []) + [chr(65 + wrong)]
        return (letters, ", ".join(letters)), (picked, ", ".join(picked), chr(65 + wrong))
    if not item.slips:  # nothing named to show: a wrong answer gets the worked solution
        wrong = "1" + (item.answers[0] if isinstance(item, Text) else typed(item.key, item.low, item.high))
        right = item.answers[0] if isinstance(item, Text) else typed(item.key, item.low, item.high)
        return (right, right), (wrong, wrong, SOLUTION)
    slip = item.slips[0]
    if isinstance(item, Number):
        right = typed(item.key, item.low, item.high)
        wrong = typed(slip.answer, slip.low, slip.high)
    else:
        right, wrong = item.answers[0], slip.answer
    return (right, right), (wrong, wrong, slip_identifier(slip.id))


@pytest.mark.parametrize("quiz, question", QUESTIONS, ids=[f"{q.id}/{x.id}" for q, x in QUESTIONS])
def test_the_player_scores_the_default_variant_as_the_engine_does(page, quiz, question):
    item = type_of(question).portable(question, *variant_for(question, 0))
    path = f"items/{quiz.id}/{question.id}-1.xml"
    if isinstance(item, Essay):
        outcome = play(page, path, question.reference)
        assert float(outcome["score"]) == 0 and outcome["response"] == question.reference  # a person scores it
        return
    (right, right_raw), (wrong, wrong_raw, feedback_id) = answers(question, item)
    outcome = play(page, path, right)
    assert float(outcome["score"]) == 1 == engine_grade(question, right_raw).score
    outcome = play(page, path, wrong)
    engine = engine_grade(question, wrong_raw)
    assert float(outcome["score"]) < 1 and float(outcome["score"]) == pytest.approx(engine.score, abs=1e-3)  # the player keeps 3 decimals
    shown = {f["identifier"]: f["text"] for f in outcome["shown"]}
    assert feedback_id in shown, (feedback_id, list(shown))
    if isinstance(item, Choices):
        option = item.options[ord(feedback_id) - 65]
        assert option.mistake is None or f"Common mistake: {option.mistake.split('`')[0]}" in shown[feedback_id]
    elif item.slips:
        assert engine.mistake_id == item.slips[0].id  # the engine names the same mistake
    if question.id == "q3-printed-output":
        screenshot(page, "qti-player-mistake")
