"""The worker side of the job queue (engine/jobs/queue.py): what runs inside each spawned process.

A worker imports its job function by name ("package.module:function"), calls it with
`on_progress` (sends progress dicts up its pipe) and `should_stop` (polls an Event),
and sends exactly one final message: ("done", result), ("failed", message, traceback)
or ("cancelled",). A worker that dies without one is described by its exit code.
"""

from __future__ import annotations

import importlib
import os
import signal
import threading
import time
import traceback
from multiprocessing import spawn

from engine.jobs.threads import use_threads

WORKER_PREFIX = "lora-lab-job"  # process names of our workers


def install_main_guard() -> None:
    """Stop spawned workers from re-running the parent's `__main__`.

    Spawn normally re-imports the parent's main module in the child (Python docs,
    multiprocessing, "Safe importing of main module"). Under Streamlit, `__main__` is the
    app script itself (streamlit/runtime/scriptrunner/script_runner.py installs it), so a
    worker would run the whole app. Our job functions are imported by name, so our
    workers need no main module: drop it from their preparation data, and only theirs.
    """
    original = spawn.get_preparation_data
    if getattr(original, "lora_lab_guard", False):
        return

    def get_preparation_data(name):
        data = original(name)
        if str(name).startswith(WORKER_PREFIX):
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    get_preparation_data.lora_lab_guard = True
    spawn.get_preparation_data = get_preparation_data


def describe_exit(exitcode: int | None) -> str:
    """A sentence for a worker that ended without reporting (crash, kill, OOM)."""
    if exitcode is None:
        return "the worker process vanished without an exit code"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        hint = " (the system's out-of-memory killer sends this when memory runs out)" if name == "SIGKILL" else ""
        return f"the worker process was killed by {name}{hint}"
    return f"the worker process exited with code {exitcode} before reporting a result"


def resolve(target: str):
    """Import "package.module:function" and return the function."""
    module_name, _, name = target.partition(":")
    return getattr(importlib.import_module(module_name), name)


def _exit_with_parent(parent: int, every_s: float = 1.0) -> None:
    """End this worker if the server dies without stopping it (e.g. SIGKILL): no orphan keeps
    training for nobody. An orphan is re-parented, so its parent pid changes."""
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(70)  # EX_SOFTWARE; nobody is left to read it


def worker_main(target: str, kwargs: dict, conn, stop, threads: int | None = None) -> None:
    """Entry point of a worker process: run the job with `threads` torch threads, send exactly one final message."""
    def on_progress(payload: dict) -> None:
        conn.send(("progress", dict(payload)))

    use_threads(threads)  # not niced: see use_threads
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    try:
        function = resolve(target)
    except Exception as exc:
        conn.send(("failed", f"could not import the job function {target!r}: {type(exc).__name__}: {exc}",
                   traceback.format_exc()))
        return
    try:
        result = function(**kwargs, on_progress=on_progress, should_stop=stop.is_set)
    except BaseException as exc:  # noqa: BLE001 - everything is reported, nothing escapes silently
        if type(exc).__name__ == "Cancelled" or (stop.is_set() and isinstance(exc, KeyboardInterrupt)):
            conn.send(("cancelled",))
        elif isinstance(exc, MemoryError):
            conn.send(("failed", "the job ran out of memory (MemoryError); try fewer steps, a smaller batch "
                                 "or sequence length, or QLoRA", traceback.format_exc()))
        else:
            conn.send(("failed", f"{type(exc).__name__}: {exc}", traceback.format_exc()))
        return
    try:
        conn.send(("done", result))
    except Exception as exc:  # e.g. a result that cannot be pickled
        conn.send(("failed", f"the job finished but its result could not be sent back: {exc}", traceback.format_exc()))
