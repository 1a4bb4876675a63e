"""The live lab in a real browser against the CLI, in one run (issue 10).

    python benchmarks/lab_browser.py [--tabs N] [--skip-cli] [--steps N]

1. Lays out the project as the README does, a real `.venv` inside the project folder
   (benchmarks/readme_layout.py says what it did), and runs the CLI there for the lab
   lesson's settings: `python -m engine lab --method M --json` for qlora, full and lora,
   timed by wall clock from launch to exit (the worker pays the same interpreter start,
   imports and model load), with the server not yet running.
2. Starts the app with the README's command and opens /lab in Debian Chromium (Playwright,
   headless), then: QLoRA alone, the three-method comparison, and "memory at scale" when
   the page has that button. Each: seconds from the Start click to the Results heading.
3. The server's CPU share while the page polls: psutil CPU time of the streamlit process
   (not of its workers) over the same interval, divided by its wall time; 1.0 = one core.
   Chromium's share (all its processes) is printed beside it.
4. `--tabs N`: N tabs each start a QLoRA run at once; they queue behind the first and
   every tab polls; the first run's Start-to-results is compared with the solo one.

Goals: browser/CLI <= 1.15 for QLoRA alone, and for the comparison against the sum of
the three CLI runs; the server <= 10% of one core while polling. Figures from a shared
machine are noisy: the script prints the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from playwright.sync_api import TimeoutError as PlaywrightTimeout

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.readme_layout import project_with_real_venv, readme_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
MEMORY_BUTTON = "Measure memory at scale"  # the Lab page's memory-at-scale control, by its label
RUN_TIMEOUT_MS = 1_800_000  # 30 min: a shared 2-core machine can be very slow


def say(text: str) -> None:
    print(text, flush=True)


def lesson_flags(steps: int | None) -> list[str]:
    """CLI flags for the lab lesson's settings, so the CLI and the page train the same way."""
    from engine.cli.lab import FLAGS
    from engine.content.loader import lab_sections, load_course

    settings = lab_sections(load_course())[0][1].settings.model_dump()
    if steps:
        settings["steps"] = steps
    flags: list[str] = []
    for flag, field in FLAGS.items():
        value = settings.get(field)
        if value is None or field == "model":
            continue
        flags += [f"--{flag.replace('_', '-')}", *(map(str, value) if isinstance(value, list) else [str(value)])]
    return flags


def cli_run(project: Path, args: list[str]) -> tuple[float, dict]:
    """(wall seconds from launch to exit, the JSON it printed)."""
    start = time.perf_counter()
    out = subprocess.run([".venv/bin/python", "-m", "engine", "lab", *args, "--json"], cwd=project,
                         capture_output=True, text=True, timeout=3600, check=False)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"CLI {' '.join(args)} failed: {out.stderr.strip()[-500:]}")
    return wall, json.loads(out.stdout.strip().splitlines()[-1])


def memory_scale_cli(project: Path) -> list[str] | None:
    """The CLI's memory-at-scale flag, if it has one (e.g. `--memory-scale`), else None."""
    help_text = subprocess.run([".venv/bin/python", "-m", "engine", "lab", "--help"], cwd=project,
                               capture_output=True, text=True, check=False).stdout
    found = re.search(r"--memory[-\w]*scale[-\w]*", help_text)
    return [found.group(0)] if found else None


class CpuShare:
    """CPU seconds per wall second of a process (and optionally its Chromium) over an interval."""

    def __init__(self, pid: int):
        self.server = psutil.Process(pid)

    @staticmethod
    def _chromium() -> float:
        total = 0.0
        for child in psutil.Process().children(recursive=True):
            try:
                if "chrom" in child.name():
                    times = child.cpu_times()
                    total += times.user + times.system
            except psutil.Error:
                pass
        return total

    def __enter__(self):
        t = self.server.cpu_times()
        self.start = (time.perf_counter(), t.user + t.system, self._chromium())
        return self

    def __exit__(self, *exc):
        t = self.server.cpu_times()
        wall = time.perf_counter() - self.start[0]
        self.wall = wall
        self.server_share = (t.user + t.system - self.start[1]) / wall
        self.chromium_share = (self._chromium() - self.start[2]) / wall


STEPS: int | None = None  # --steps, typed into the form too


def open_lab(context, base: str, methods: tuple[str, ...]):
    page = context.new_page()
    page.set_default_timeout(120_000)
    page.goto(f"{base}/lab")
    page.get_by_role("button", name="Start").wait_for()
    for method in ("full", "lora", "qlora"):
        if method not in methods:
            page.get_by_role("button", name=f"Remove {method}").click()
    if STEPS:
        page.get_by_label("Steps (1-500)").fill(str(STEPS))
    return page


def browser_run(context, base: str, server_pid: int, methods: tuple[str, ...]) -> tuple[float, CpuShare]:
    page = open_lab(context, base, methods)
    with CpuShare(server_pid) as cpu:
        page.get_by_role("button", name="Start").click()
        page.get_by_role("heading", name="Results").wait_for(timeout=RUN_TIMEOUT_MS)
    page.close()
    return cpu.wall, cpu


def memory_scale_run(context, base: str, server_pid: int) -> tuple[float, CpuShare] | None:
    """Click the memory-at-scale button; done when a new chart is drawn and nothing runs or waits."""
    page = context.new_page()
    page.goto(f"{base}/lab")
    page.get_by_role("button", name="Start").wait_for(timeout=120_000)
    button = page.get_by_role("button", name=MEMORY_BUTTON)
    try:  # the page draws top to bottom: the lab form's Start comes before this section
        button.first.wait_for(timeout=30_000)
    except PlaywrightTimeout:
        page.close()
        return None
    charts = page.locator('[data-testid="stPlotlyChart"]').count()
    with CpuShare(server_pid) as cpu:
        button.first.click()
        deadline = time.monotonic() + RUN_TIMEOUT_MS / 1000
        while time.monotonic() < deadline:
            page.wait_for_timeout(500)
            busy = page.get_by_text(re.compile(r"· (running|queued)")).count()
            if not busy and page.locator('[data-testid="stPlotlyChart"]').count() > charts:
                break
    page.close()
    return cpu.wall, cpu


def tabs_run(context, base: str, server_pid: int, tabs: int) -> tuple[float, CpuShare]:
    pages = [open_lab(context, base, ("qlora",)) for _ in range(tabs)]
    with CpuShare(server_pid) as cpu:
        for page in pages:
            page.get_by_role("button", name="Start").click()
        pages[0].get_by_role("heading", name="Results").wait_for(timeout=RUN_TIMEOUT_MS)
    for page in pages[1:]:  # the runs queued behind the first: cancel them
        for button in page.get_by_role("button", name="Cancel").all():
            button.click()
    time.sleep(3)
    for page in pages:
        page.close()
    return cpu.wall, cpu


def report(name: str, browser_s: float, cpu: CpuShare, cli_s: float | None) -> None:
    ratio = f"{browser_s / cli_s:.2f}" if cli_s else "n/a"
    goal = "" if not cli_s else ("  (goal <= 1.15: met)" if browser_s / cli_s <= 1.15 else "  (goal <= 1.15: NOT met)")
    cli = f"{cli_s:.1f} s" if cli_s else "not measured"
    server_goal = "met" if cpu.server_share <= 0.10 else "NOT met"
    say(f"{name:<28} browser {browser_s:7.1f} s   CLI {cli:>10}   browser/CLI {ratio}{goal}")
    say(f"{'':<28} server CPU while polling {cpu.server_share:.3f} of one core (goal <= 0.10: {server_goal}); "
        f"chromium {cpu.chromium_share:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=0, help="also run QLoRA watched by this many tabs")
    parser.add_argument("--steps", type=int, help="override the lesson's steps (quicker, less faithful)")
    parser.add_argument("--skip-cli", action="store_true", help="no CLI runs (no ratios)")
    parser.add_argument("--only", default="qlora,comparison,memory,tabs",
                        help="comma-separated parts to run (default: all; tabs only with --tabs)")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    global STEPS
    STEPS = args.steps
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a kill still stops the server and removes the copy
    if not Path(CHROMIUM).exists():
        sys.exit(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from engine.jobs.threads import plan_for_this_machine

    say(f"load average before: {os.getloadavg()}; CPUs: {os.cpu_count()}; "
        f"thread rule for one job: {plan_for_this_machine(1)}")
    project, temp = project_with_real_venv(say)
    try:
        flags = lesson_flags(args.steps)
        say(f"settings (the lab lesson's): {' '.join(flags)}")
        cli: dict[str, float] = {}
        if not args.skip_cli:
            for method in ("qlora", "full", "lora") if "comparison" in parts else ("qlora",):
                cli[method], result = cli_run(project, ["--method", method, *flags])
                say(f"CLI {method:<5}: {cli[method]:.1f} s wall (run_lab's own 'seconds' {result['seconds']}, "
                    f"threads {result.get('threads', '?')}, skill {result['skill_after']})")
        with readme_server(project, say) as (base, pid), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            solo = None
            if "qlora" in parts:
                solo, cpu = browser_run(context, base, pid, ("qlora",))
                report("QLoRA alone", solo, cpu, cli.get("qlora"))
            if "comparison" in parts:
                seconds, cpu = browser_run(context, base, pid, ("full", "lora", "qlora"))
                report("comparison (3 methods)", seconds, cpu, sum(cli.values()) if len(cli) == 3 else None)
            scale = memory_scale_run(context, base, pid) if "memory" in parts else None
            if "memory" in parts and scale is None:
                say(f"memory at scale: SKIPPED, the Lab page has no '{MEMORY_BUTTON}' button yet")
            elif scale is not None:
                flag = memory_scale_cli(project)
                scale_cli = cli_run(project, flag)[0] if flag and not args.skip_cli else None
                report("memory at scale", scale[0], scale[1], scale_cli)
            if args.tabs and "tabs" in parts:
                seconds, cpu = tabs_run(context, base, pid, args.tabs)
                report(f"QLoRA, {args.tabs} tabs polling", seconds, cpu, cli.get("qlora"))
                if solo:
                    say(f"{'':<28} against QLoRA alone in one tab ({solo:.1f} s): {seconds / solo:.2f}")
            browser.close()
    finally:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
    say(f"load average after: {os.getloadavg()} (other work on the machine makes every figure noisy)")


if __name__ == "__main__":
    main()
