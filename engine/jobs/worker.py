"""The worker side of the job queue: what runs inside each worker process, spawned cold
(engine/jobs/workers.py) or forked from the warm template (engine/jobs/template.py).

One job per process lifetime. Over its pipe, a worker

    receives  ("run", target, kwargs, threads, env)  once, first (env: variables to set, e.g. a GPU's id)
              ("stop",)                           any time: should_stop() turns True
    sends     ("progress", dict)                  any number of times
              ("done", result) | ("failed", message, traceback) | ("cancelled",)   exactly once, last

It imports its job function by name ("package.module:function") and calls it with
`on_progress` and `should_stop`. A worker that dies without a final message is described
by its exit code (describe_exit).
"""

from __future__ import annotations

import ctypes
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


def name_process(name: str) -> None:
    """Show `name` in ps and top (Linux prctl PR_SET_NAME, 15 bytes at most); elsewhere nothing."""
    try:
        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)
    except (OSError, AttributeError):
        pass


def end_with_parent(parent: int) -> None:
    """End this process when its parent `parent` (a pid) ends, even by SIGKILL: no orphan keeps
    training for nobody. Linux: PR_SET_PDEATHSIG, so the kernel sends SIGKILL, with no thread of
    ours left running (a fork of this process stays safe: engine/maths/memory_measure.py);
    elsewhere a thread polls every second."""
    try:
        if ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
            raise OSError("prctl failed")
    except (OSError, AttributeError):
        threading.Thread(target=_poll_parent, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before we asked
        os._exit(70)  # EX_SOFTWARE; nobody is left to read it


def _poll_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(70)


def ask_to_stop(conn) -> None:
    """The server's side of should_stop(): ("stop",) down the worker's pipe."""
    try:
        conn.send(("stop",))
    except (OSError, ValueError):
        pass  # the worker is gone already: its exit tells the rest


class StopFlag:
    """should_stop() for a job: True once ("stop",) arrived on the pipe (read without blocking)."""

    def __init__(self, conn):
        self.conn, self.stopped = conn, False

    def __call__(self) -> bool:
        try:
            while not self.stopped and self.conn.poll():
                self.stopped = self.conn.recv() == ("stop",)
        except (EOFError, OSError):
            self.stopped = True  # the server is gone: nobody wants the result
        return self.stopped


def worker_main(conn, parent: int) -> None:
    """Entry point of a worker process: wait for its job, run it, send exactly one final message.
    `parent`: the server that spawned it, or the warm template that forked it (which ends with its server)."""
    name_process(WORKER_PREFIX)
    end_with_parent(parent)
    try:
        _, target, kwargs, threads, env = conn.recv()
    except (EOFError, OSError):
        return  # the server went away before handing over a job
    os.environ.update(env)
    use_threads(threads)  # before the job imports torch, when it is not imported yet; not niced
    try:
        function = resolve(target)
    except Exception as exc:
        conn.send(("failed", f"could not import the job function {target!r}: {type(exc).__name__}: {exc}",
                   traceback.format_exc()))
        return
    stop = StopFlag(conn)
    send_final(conn, lambda: function(**kwargs, on_progress=lambda p: conn.send(("progress", dict(p))),
                                      should_stop=stop), stop)


def send_final(conn, run, stop: StopFlag) -> None:
    """Call `run()` and send its one final message."""
    try:
        result = run()
    except BaseException as exc:  # noqa: BLE001 - everything is reported, nothing escapes silently
        if type(exc).__name__ == "Cancelled" or (isinstance(exc, KeyboardInterrupt) and stop()):
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
