"""A real browser against a real server: start `streamlit run app.py` on a free
loopback port, drive Debian's Chromium through Playwright, stop the server after.

Used by the browser tests (tests/ui/test_browser*.py). Where Chromium is missing the
tests skip with the reason, unless LORA_LAB_REQUIRE_BROWSER=1 (set by .ci/run),
which turns a missing browser into a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = os.environ.get("LORA_LAB_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
# Flags for a closed network: no background connections that would be refused.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def require_browser() -> None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("LORA_LAB_REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: dict[str, str] | None = None, timeout: float = 60, *, port: int | None = None,
                     secrets: Path | None = None):
    """Yield the base URL of a fresh `streamlit run app.py` in the project, started as the README
    starts it (the project's .streamlit/config.toml decides everything but where it listens, and
    `secrets`, a secrets.toml to read instead of the project's); always stops it."""
    log_dir = ROOT / "artifacts"
    log_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "streamlit", "run", "app.py"]
    if secrets is not None:
        command += ["--secrets.files", str(secrets)]
    with serve(command, ROOT, env=env, log_dir=log_dir, timeout=timeout, port=port) as (base, _process):
        yield base


@contextlib.contextmanager
def serve(command: list[str], project: Path, *, env: dict[str, str] | None = None, log_dir: Path,
          timeout: float = 60, port: int | None = None):
    """Yield (base URL, process) of `command` (a `streamlit run`) on `port` or a free loopback port, once
    it answers its health check; only the port, the loopback address and headless mode are added.
    Always stops it. Also used by benchmarks/lab_browser.py."""
    port = port or free_port()
    log = log_dir / f"streamlit-{port}.log"
    command = command + ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=project, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})}, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited early ({process.returncode}); see {log}")
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer on {base} within {timeout} s; see {log}")
            time.sleep(0.3)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@contextlib.contextmanager
def browser_page(width: int = 1400, height: int = 1000):
    """A Playwright page in headless Debian Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.set_default_timeout(30_000)
            yield page
        finally:
            browser.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
