"""What benchmarks/lab_browser.py reads of the running app besides the page: CPU shares of the
server, its warm worker and Chromium; the warm worker itself (when ready, its memory); the first
loss point after a Start click. Nothing here is timed on its own."""

from __future__ import annotations

import time

import psutil

WARM = "lora-lab-warm"  # the warm template's name once ready; "lora-lab-warmup" while it warms up


def comm(process: psutil.Process) -> str:
    """The kernel's name for a process (what ps shows), read directly: psutil.name() swaps a
    15-character name for the command line's."""
    try:
        with open(f"/proc/{process.pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def warm_worker(server_pid: int, *, ready: bool = True) -> psutil.Process | None:
    """The server's warm template process (only once ready, unless `ready` is False), or None."""
    for child in psutil.Process(server_pid).children(recursive=True):
        name = comm(child)
        if name == WARM or (not ready and name == WARM + "up"):
            return child
    return None


def wait_warm(server_pid: int, timeout: float = 300.0) -> psutil.Process | None:
    """Wait until the warm worker is ready; None if the app has none (LORA_LAB_WARM_WORKER=off)
    or it is not ready within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = warm_worker(server_pid)
        if found is not None:
            return found
        time.sleep(0.2)
    return None


def memory_mib(process: psutil.Process) -> tuple[float, float]:
    """(resident, unique) memory in MiB: RSS counts pages shared with forks; USS only its own."""
    info = process.memory_full_info()
    return info.rss / 2**20, info.uss / 2**20


class CpuShare:
    """CPU seconds per wall second of the server, its warm worker and this script's Chromium over an interval."""

    def __init__(self, pid: int):
        self.server = psutil.Process(pid)

    @staticmethod
    def _seconds(process: psutil.Process | None) -> float:
        try:
            times = process.cpu_times() if process is not None else None
        except psutil.Error:
            return 0.0
        return times.user + times.system if times else 0.0

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
        self.warm = warm_worker(self.server.pid)
        self.start = (time.perf_counter(), self._seconds(self.server), self._chromium(), self._seconds(self.warm))
        return self

    def __exit__(self, *exc):
        wall = time.perf_counter() - self.start[0]
        self.wall = wall
        self.server_share = (self._seconds(self.server) - self.start[1]) / wall
        self.chromium_share = (self._chromium() - self.start[2]) / wall
        self.warm_share = (self._seconds(self.warm) - self.start[3]) / wall if self.warm is not None else None


def timeline(project, clicked: float, shown: float) -> str:
    """Where the seconds went, from the job records the server wrote: `clicked` and `shown` are
    time.time() of the Start click and of the Results heading."""
    from engine.progress.jobs import JobStore
    from engine.progress.store import Store

    db = JobStore(Store(f"sqlite:///{project}/data/progress.db"))
    try:
        runs = [r for r in db.jobs(since=clicked - 1) if r.submitted_at >= clicked - 1]
    finally:
        db.store.close()
    if not runs:
        return "no job records found"
    parts = [f"{r.label}: started {r.started_at - clicked:.2f} s after the click, its worker "
             f"{r.finished_at - r.started_at:.1f} s (run_lab's own {(r.result or {}).get('seconds', float('nan')):.1f} s, "
             f"stopped at step {(r.result or {}).get('stopped_at')})" for r in runs]
    last = max(r.finished_at for r in runs)
    return "; ".join(parts) + f"; Results shown {shown - last:.2f} s after the last finished"
