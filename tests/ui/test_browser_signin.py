"""Staying signed in, in Chromium against `streamlit run app.py`, through both ways in:

1. a display name (or learner code): the learner stays signed in across a reload and a new tab,
   until "Sign out"; answers given before signing in, even across a reload, reach Progress;
2. the class's identity provider (st.login, OIDC): a local provider, panva's oidc-provider
   started from tests/oidc/provider.mjs (installed by tests/run.sh), with the app's [auth]
   section in a secrets.toml of the test's own; the same checks.

Screenshots go to artifacts/screenshots/signin-*.png."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess

import pytest

from tests.browser import CHROMIUM_ARGS, CHROMIUM, free_port, require_browser, screenshot, streamlit_server
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
OIDC = ROOT / "tests" / "oidc"
QUESTION = "What is the printed output?"  # quizzes/seed.yaml q3-printed-output


@contextlib.contextmanager
def chromium():
    """A browser; each test opens its own context (cookie jar), tabs share it as a learner's do."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_tab(context, url: str):
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    return page


def answer_a_question(page) -> None:
    """Answer the seed quiz's printed-output question (any number is graded, right or wrong)."""
    from playwright.sync_api import expect

    box = page.get_by_text(QUESTION).locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")
    box.get_by_role("textbox", name="Your answer", exact=True).fill("1")
    box.get_by_role("button", name="Submit").click()
    expect(box.get_by_test_id("stAlert").first).to_be_visible()


def expect_signed_in(page, name: str) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()


def expect_one_seed_attempt(page) -> None:
    """Progress lists the seed quiz with the one answer given before signing in."""
    from playwright.sync_api import expect

    main = page.get_by_test_id("stMain")  # the sidebar lists the quiz too
    expect(main.get_by_role("link", name="Practice: LoRA and QLoRA basics", exact=True)).to_be_visible()
    expect(page.get_by_text("1 question tried · 1 attempt")).to_be_visible()


def test_a_learner_signed_in_by_name_stays_signed_in_across_reloads_and_tabs(tmp_path):
    from playwright.sync_api import expect

    require_browser()
    with streamlit_server({"LORA_LAB_DATA": str(tmp_path), "DATABASE_URL": ""}) as base, chromium() as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = new_tab(context, f"{base}/quiz-seed")
        expect(page.get_by_text("You are not signed in").first).to_be_visible()
        answer_a_question(page)
        page.reload()  # a new session: the answer waits under the browser's guest cookie
        page.goto(f"{base}/progress")
        page.get_by_label("Display name").fill("Ana")
        page.get_by_role("button", name="Start").click()
        expect_signed_in(page, "Ana")
        expect_one_seed_attempt(page)
        nav = page.get_by_test_id("stSidebarNav")  # the cookie's script sits in the sidebar: every page stays listed
        expect(nav.get_by_role("link", name="Instructor dashboard")).to_be_visible()
        expect(nav.get_by_role("button", name="View more")).to_have_count(0)
        screenshot(page, "signin-by-name")

        page.reload()
        expect_signed_in(page, "Ana")
        other = new_tab(context, f"{base}/progress")
        expect_signed_in(other, "Ana")
        other.get_by_role("button", name="Sign out").click()
        expect(other.get_by_label("Display name")).to_be_visible()
        page.reload()  # signed out in one tab: the browser is signed out
        expect(page.get_by_label("Display name")).to_be_visible()

        page.get_by_text("Stay signed in on this browser").click()  # as a learner unticks it
        expect(page.get_by_role("checkbox", name="Stay signed in on this browser")).not_to_be_checked()
        page.get_by_label("Display name").fill("Ben")
        page.get_by_role("button", name="Start").click()
        expect_signed_in(page, "Ben")
        page.reload()  # a shared computer: signed in for this tab only
        expect(page.get_by_label("Display name")).to_be_visible()


@contextlib.contextmanager
def oidc_provider(app_port: int):
    """The local provider on a free port, for the app at `app_port`; yields its issuer URL."""
    if not shutil.which("node") or not (OIDC / "node_modules" / "oidc-provider").is_dir():
        reason = "node or tests/oidc/node_modules is missing (tests/run.sh installs it with npm)"
        if os.environ.get("LORA_LAB_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    port = free_port()
    log = ROOT / "artifacts" / f"oidc-provider-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as errors:  # its start-up warnings (development keys and pages) go here
        process = subprocess.Popen(["node", str(OIDC / "provider.mjs"), str(port),
                                    f"http://127.0.0.1:{app_port}/oauth2callback"],
                                   stdout=subprocess.PIPE, stderr=errors, text=True)
    try:
        line = process.stdout.readline()  # "ready", or "" when it exited
        assert line.strip() == "ready", f"the OIDC provider did not start; see {log}"
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def auth_secrets(path, *, issuer: str, app_port: int):
    path.write_text(f"""[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "a test cookie secret, long enough to sign with"
client_id = "lora-lab"
client_secret = "lora-lab-test-secret"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
# Streamlit asks for prompt=select_account unless told otherwise; oidc-provider knows login and consent.
client_kwargs = {{ prompt = "login" }}
""")
    return path


def log_in_at_the_provider(page, login: str) -> None:
    """The provider's development pages: any login and password, then consent."""
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()


def test_a_learner_signed_in_through_the_identity_provider_stays_signed_in(tmp_path):
    require_browser()
    app_port = free_port()
    env = {"LORA_LAB_DATA": str(tmp_path), "DATABASE_URL": ""}
    with oidc_provider(app_port) as issuer, chromium() as browser:
        secrets = auth_secrets(tmp_path / "secrets.toml", issuer=issuer, app_port=app_port)
        with streamlit_server(env, port=app_port, secrets=secrets) as base:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            page = new_tab(context, f"{base}/quiz-seed")
            answer_a_question(page)
            page.goto(f"{base}/progress")
            page.get_by_role("button", name="Log in to keep your progress").click()
            log_in_at_the_provider(page, "ana")
            page.get_by_role("heading", name="LoRA Lab").wait_for()  # back in the app, on Home
            page.get_by_text("1 answer you gave before signing in is now in your progress.").wait_for()
            page.goto(f"{base}/progress")
            expect_signed_in(page, "Ana Test")
            expect_one_seed_attempt(page)
            screenshot(page, "signin-oidc")

            page.reload()
            expect_signed_in(page, "Ana Test")
            expect_signed_in(new_tab(context, f"{base}/progress"), "Ana Test")
