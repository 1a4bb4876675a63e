"""Time to first render of Home and of a lesson, each in a fresh Python process.

Each measurement starts a new interpreter (so imports are cold, as for a new
server), runs app.py in Streamlit's AppTest, then the page, and reports the
wall time of that first render from inside the process with time.perf_counter,
its CPU time (time.process_time: what the render costs when the machine is
shared, where wall time is mostly waiting), and whether torch was imported.
Goal (issues 2 and 11): under 1.5 s each, no torch.

    .venv/bin/python benchmarks/startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = r"""
import json, sys, time
start, cpu_start = time.perf_counter(), time.process_time()
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash
at = AppTest.from_file({app!r}, default_timeout=60)
at.run()
if {page!r}:
    at._page_hash = calc_hash({page!r})
    at.run()
elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
assert not at.exception, [e.value for e in at.exception]
print(json.dumps({{"seconds": elapsed, "cpu": cpu, "torch": "torch" in sys.modules}}))
"""


def measure(page: str | None) -> dict:
    code = PROBE.format(root=str(ROOT), app=str(ROOT / "app.py"), page=page)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from engine.content.loader import load_course

    lessons = load_course().lessons
    targets = [("Home", None)] + ([(f"Lesson '{lessons[0].id}'", lessons[0].id)] if lessons else [])
    print(f"first render in a fresh process, {args.repeat} runs each (goal < 1.5 s, no torch)")
    for label, page in targets:
        runs = [measure(page) for _ in range(args.repeat)]
        seconds = [run["seconds"] for run in runs]
        cpu = statistics.median(run["cpu"] for run in runs)
        torch = any(run["torch"] for run in runs)
        print(f"{label:32s} median {statistics.median(seconds):.3f} s  (min {min(seconds):.3f}, max {max(seconds):.3f}), "
              f"CPU {cpu:.3f} s  torch imported: {torch}")


if __name__ == "__main__":
    main()
