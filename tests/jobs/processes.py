"""Processes for the job tests: is one alive, a server that kills itself, and what outlived it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.conftest import ROOT


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0), but it holds no memory any more
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def killed_probe(script: str, tmp_path) -> tuple[int, str]:
    """Run `script` ({root} filled in) in a fresh Python that ends by killing itself: (its return
    code, its output). The output goes to a file, not a pipe: an orphan still holding a pipe would
    hang subprocess.run."""
    out = tmp_path / "probe.out"
    with out.open("w") as sink:
        probe = subprocess.run([sys.executable, "-c", script.format(root=str(ROOT))], cwd=ROOT,
                               stdout=sink, stderr=subprocess.STDOUT, timeout=120)
    return probe.returncode, out.read_text()


def survivors(pids: list[int], within: float = 10.0) -> list[int]:
    """The pids still alive after waiting up to `within` seconds for them to end; killed, so that a
    failing test leaves nothing running."""
    deadline = time.monotonic() + within
    while any(map(pid_alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = [pid for pid in pids if pid_alive(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)
    return alive
