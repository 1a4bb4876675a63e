"""A class on Ray in real browsers against real servers: two `streamlit run app.py` servers
that share one progress database and one Ray head (tests/ray.sh) both show a run started
through one of them; killing that server does not stop the run, and a server started
afresh shows its results.

The servers run a stand-in job function (slow_run_lab below, through LORA_LAB_JOB_TARGET)
so that the runs last long enough to kill a server under them."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest

from engine.progress.jobs import JobStore
from engine.progress.store import Store
from tests.browser import browser_page, free_port, require_browser
from tests.conftest import ROOT
from tests.raycluster import ray_address

pytestmark = pytest.mark.slow
TOKEN = "0123456789abcdef"  # the lab's ?lab= owner token (ui/components/lab_queue.py)


def slow_run_lab(settings, glossary, method, *, on_progress=None, should_stop=None, output_dir=None) -> dict:
    """tests/ui/test_lab_page.py's fake_run_lab, a tenth of a second per step."""
    from tests.ui.test_lab_page import fake_run_lab

    def slowly(payload):
        time.sleep(0.1)
        on_progress(payload)

    return fake_run_lab(settings, glossary, method, on_progress=slowly, should_stop=should_stop,
                        output_dir=output_dir)


@contextlib.contextmanager
def server(env: dict, timeout: float = 90):
    """(base URL, process) of a fresh `streamlit run app.py`; killed (its whole group) after."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            assert process.poll() is None, f"streamlit exited early ({process.returncode})"
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{base}/_stcore/health", timeout=2):
                break
            assert time.monotonic() < deadline, f"streamlit did not answer on {base}"
            time.sleep(0.3)
        yield base, process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def test_two_servers_share_a_run_and_a_killed_server_does_not_stop_it(tmp_path):
    require_browser()
    env = {"LORA_LAB_JOB_TARGET": "tests.ui.test_browser_class:slow_run_lab", "LORA_LAB_RUNS": str(tmp_path / "runs"),
           "LORA_LAB_DATA": str(tmp_path / "data"), "LORA_LAB_RAY_ADDRESS": ray_address()}
    env.pop("DATABASE_URL", None)
    jobs = None
    with server(env) as (first, first_process), server(env) as (second, _), browser_page() as page:
        page.goto(f"{first}/lab?lab={TOKEN}")
        page.get_by_role("heading", name="Lab: teach a small model new words").wait_for()
        page.get_by_label("Steps (1-500)").fill("30")
        page.get_by_role("button", name="Start").click()
        live = re.compile(r"^(full|lora|qlora) · (queued|running)$")
        page.get_by_text(live).first.wait_for(timeout=60_000)
        page.goto(f"{second}/lab?lab={TOKEN}")  # the same learner, on the other replica
        page.get_by_text(live).first.wait_for(timeout=60_000)
        jobs = JobStore(Store(f"sqlite:///{tmp_path / 'data' / 'progress.db'}"))
        mine = jobs.jobs(owner=f"session-{TOKEN}")
        assert sorted(j.label for j in mine) == ["full", "lora", "qlora"] and len({j.grp for j in mine}) == 1
        os.killpg(first_process.pid, signal.SIGKILL)  # the server that took the runs dies
        first_process.wait(timeout=10)
    deadline = time.monotonic() + 180
    runs = jobs.jobs(owner=f"session-{TOKEN}")
    while not all(j.finished for j in runs):
        assert time.monotonic() < deadline, [(j.label, j.state) for j in runs]
        time.sleep(0.5)
        runs = jobs.jobs(owner=f"session-{TOKEN}")
    assert [j.state for j in runs] == ["done"] * 3 and all(len(j.losses) == 30 for j in runs)
    with server(env) as (restarted, _), browser_page() as page:
        page.goto(f"{restarted}/lab?lab={TOKEN}")
        page.get_by_role("heading", name="Results").wait_for(timeout=60_000)
        for method in ("full", "lora", "qlora"):
            assert page.get_by_text(f"{method} · done", exact=True).count() == 1
