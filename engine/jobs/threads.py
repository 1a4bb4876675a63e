"""How many CPU threads each lab worker gives torch, and how many jobs may run at once.

    CPUs this process may use = min(affinity, cgroup CPU quota)
        - what the web server and a browser on the same machine need (RESERVE_CPUS)
        = free CPUs, shared by the jobs that may run at once (LORA_LAB_MAX_JOBS)

Why it matters (issue 10): torch's CPU kernels run on an OpenMP team that spins at its
barriers, so a team that is bigger than the cores it really gets stalls at every barrier
while the OS runs something else: the lab CLI took 99 s beside one busy process at equal
priority, 26 s alone, and 868 s when niced to 5. So a worker never asks for more threads
than it will get, jobs at once never add up to more threads than there are CPUs, and the
worker is not niced (engine/jobs/worker.py).

Affinity: `os.sched_getaffinity` (Linux; `taskset`, container cpusets). Quota: cgroup v2
`cpu.max` ("max 100000" or "150000 100000": quota and period in microseconds) or v1
`cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1 = no quota) (Linux kernel docs,
"Control Group v2", CPU interface files; "CFS Bandwidth Control").
`LORA_LAB_THREADS` overrides the count. `use_threads` applies a count to this process
(a worker, or the CLI, which has no server beside it: `cli_threads`).
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

THREADS_ENV = "LORA_LAB_THREADS"
# CPUs kept for the Streamlit server (~0.1 CPU while a run is watched, benchmarks/lab_browser.py)
# and a browser on the same machine. Below 4 CPUs only half a CPU: a whole one would halve
# training on 2 CPUs; from 4 CPUs on a whole one, at most a quarter of the machine.
RESERVE_CPUS = 0.5
CGROUP = Path("/sys/fs/cgroup")


# What plan_threads decides: jobs that may run at once, and torch threads for each.
@dataclass(frozen=True)
class ThreadPlan:
    jobs: int  # jobs that may run at once (<= the LORA_LAB_MAX_JOBS asked for)
    threads: int  # torch intra-op threads per job
    usable_cpus: float  # min(affinity, quota), CPUs
    overridden: bool = False  # threads came from LORA_LAB_THREADS


def plan_threads(*, cpus: int, quota: float | None, jobs: int, reserve: float = RESERVE_CPUS,
                 override: int | None = None) -> ThreadPlan:
    """The thread rule, a pure function.

    cpus: CPUs in this process's affinity mask; quota: cgroup CPU quota in CPUs (None = none);
    jobs: jobs asked to run at once (LORA_LAB_MAX_JOBS).
      1. usable = min(cpus, quota); the reserve is a whole CPU from 4 usable CPUs on.
      2. jobs at once = free CPUs rounded down, at least 1, at most `jobs`.
      3. one job: the free CPUs rounded up (on 2 CPUs both: the server's ~0.1 CPU fits beside
         two threads at equal priority); several: rounded down, so their threads fit in `free`.
    """
    if cpus < 1 or jobs < 1:
        raise ValueError(f"cpus and jobs must be at least 1 (got cpus={cpus}, jobs={jobs})")
    usable = float(cpus) if quota is None or quota <= 0 else min(float(cpus), quota)
    free = max(0.5, usable - (max(reserve, 1.0) if usable >= 4 else reserve))
    at_once = max(1, min(jobs, math.floor(free)))
    if override is not None:
        return ThreadPlan(jobs=at_once, threads=override, usable_cpus=usable, overridden=True)
    threads = math.ceil(free) if at_once == 1 else math.floor(free / at_once)
    return ThreadPlan(jobs=at_once, threads=max(1, threads), usable_cpus=usable)


def affinity_cpus() -> int:
    """CPUs this process may run on (all of os.cpu_count() where affinity is unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def cgroup_quota(root: Path = CGROUP, proc_cgroup: Path = Path("/proc/self/cgroup")) -> float | None:
    """The cgroup CPU quota in CPUs (e.g. 1.5), or None when there is none or it cannot be read."""
    for folder in _cgroup_folders(root, proc_cgroup):
        v2 = _read(folder / "cpu.max")
        if v2:
            quota, _, period = v2.partition(" ")
            return None if quota == "max" else _ratio(quota, period or "100000")
        v1 = _read(folder / "cpu.cfs_quota_us")
        if v1:
            return None if v1.strip() == "-1" else _ratio(v1, _read(folder / "cpu.cfs_period_us") or "100000")
    return None


def _cgroup_folders(root: Path, proc_cgroup: Path) -> list[Path]:
    """This process's own cgroup folders first (v2 "0::/path", v1 "N:cpu,cpuacct:/path"), then the roots."""
    folders: list[Path] = []
    for line in (_read(proc_cgroup) or "").splitlines():
        _, controllers, path = line.split(":", 2) if line.count(":") >= 2 else ("", "", "")
        rel = path.lstrip("/")
        if controllers == "":
            folders.append(root / rel)
        elif "cpu" in controllers.split(","):
            folders += [root / controllers / rel, root / "cpu" / rel, root / "cpu,cpuacct" / rel]
    return folders + [root, root / "cpu", root / "cpu,cpuacct"]


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _ratio(quota: str, period: str) -> float | None:
    try:
        q, p = float(quota), float(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


def threads_override(environ=os.environ) -> int | None:
    """LORA_LAB_THREADS as a whole number 1-256, None when unset; ValueError naming it when bad."""
    raw = environ.get(THREADS_ENV, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 256:
        raise ValueError(f"{THREADS_ENV} must be a whole number from 1 to 256, not {raw!r}")
    return int(raw)


def plan_for_this_machine(jobs: int) -> ThreadPlan:
    """plan_threads with this process's affinity, cgroup quota and LORA_LAB_THREADS."""
    return plan_threads(cpus=affinity_cpus(), quota=cgroup_quota(), jobs=jobs, override=threads_override())


def use_threads(threads: int | None) -> None:
    """Size torch's CPU thread pools before torch is imported: OpenMP and MKL read these at start-up
    (PyTorch docs, "CPU threading and TorchScript inference"), so the count holds for the whole run.

    The worker is not niced: torch's OpenMP team spins at its barriers, and a niced team beside
    any busy process stalls at every one (issue 10: the lab CLI at nice 5 beside one busy process
    took 868 s, 99 s at equal priority; here, 30 steps of a 4-layer, 128-wide Llama with 2 threads
    took 8.4 and 13.3 s at nice 0 against 20.4 and 20.8 s at nice 5, on 2 cores shared with other
    jobs, load 7-11). The server needs ~0.02 CPU while a run is watched, and sleeps in between,
    so it gets it at equal priority; the thread rule leaves it room instead.

    OpenMP threads wait passively (OMP_WAIT_POLICY=PASSIVE, OpenMP spec 6.7; unless already set):
    a spinning team burns the core its preempted partner needs. The same 30 steps beside other
    work (load 12-20): 86.6 and 45.4 s spinning, 2.2 and 4.1 s passive, 2.8 and 3.2 s on 1 thread.
    """
    if threads is None:
        return
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[name] = str(threads)
    torch = sys.modules.get("torch")
    if torch is not None:  # already imported (not by our workers): resize its pool now
        torch.set_num_threads(threads)


def cli_threads() -> int:
    """Threads for a lab run from the command line, with no server beside it: LORA_LAB_THREADS,
    else every usable CPU (a fractional cgroup quota rounded down, at least 1)."""
    override = threads_override()
    if override is not None:
        return override
    quota = cgroup_quota()
    return max(1, min(affinity_cpus(), math.floor(quota) if quota else affinity_cpus()))
