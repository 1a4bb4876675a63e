"""The warm template: one process that has done, once, the slow start every job shares (a warm-up
function named by the caller, such as the lab's (engine/lab/warmup.py): import torch and the libraries,
load the model), and from which each job's worker is forked, ready at once.

    server (engine/jobs/workers.py)          template process (spawned once, a fresh interpreter)
      start() ──spawn──────────────────────▶ one thread for torch; the warm-up, by name; trim
         ◀──────────────── {"ready": s, "rss": bytes}  or  {"failed": why} ──
      fork(name) ── {"fork": name} ────────▶ os.fork() ──▶ worker: worker_main(pipe, template pid)
         ◀── {"pid"} + 2 file descriptors: the worker's pipe, its exit status ──
                                             reaps each worker, writes its exit code to that status

Why: a fresh interpreter spends 5-6 s on 2 CPU cores importing torch, transformers, peft and
bitsandbytes before a run's first step (issue 22); a fork of a process that has done it starts
in milliseconds, and shares those pages copy-on-write. Each job still has a process of its own
that ends with it, so a crash or an out-of-memory kill takes only that job down, as with cold
workers. The template itself never runs a job: no learner's data or state is ever in it, so no
run can see another's (each worker is a copy of the same clean process).

Forking safely (the template checks both before it serves):
  * One thread. A fork copies only the calling thread; another thread's locks are copied held,
    and an OpenMP team is copied without its threads: GNU libgomp then hangs the child at its
    first parallel region (here, a child of a process that had run one 2-thread matmul never
    finished). So torch runs single-threaded in the template (use_threads(1) before the warm-up
    imports it); each worker sets its own count; a warm-up that leaves any thread running is refused.
  * No GPU context. CUDA cannot be used in a child forked after its parent initialised it (PyTorch
    docs, "Multiprocessing best practices"); PYTORCH_NVML_BASED_CUDA_CHECK=1 lets
    torch.cuda.is_available() answer without initialising CUDA, and each worker opens its own.
The template ends when the server closes its pipe (or dies), and its workers end with it
(worker.end_with_parent).
"""

from __future__ import annotations

import ctypes
import gc
import json
import logging
import multiprocessing as mp
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from multiprocessing.connection import Connection

from engine.jobs.threads import use_threads
from engine.jobs.worker import (WORKER_PREFIX, ask_to_stop, describe_exit, install_main_guard, name_process,
                               resolve, worker_main)

log = logging.getLogger(__name__)
TEMPLATE_NAME = "lora-lab-warm"  # its name in ps and top once ready ("lora-lab-warmup" while it warms up)
MESSAGE_BYTES = 65536


class Template:
    """The server's handle on the template process: off → warming → ready | failed."""

    def __init__(self, warmup: str, *, wait_s: float = 120.0):
        self.warmup = warmup  # "module:function", called once in the template
        self.wait_s = wait_s  # a warm-up longer than this is given up: jobs spawn cold
        self.state, self.error, self.info = "off", None, {}
        self.process = self.ctl = None
        self._started = 0.0
        self._lock = threading.Lock()  # a page may start it while the pump thread polls it

    def start(self) -> None:
        """Spawn the template and let it warm up (idempotent; not after a failed warm-up)."""
        with self._lock:
            if self.state == "off":
                self._spawn()

    def _spawn(self) -> None:
        install_main_guard()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = mp.get_context("spawn").Process(target=template_main, args=(self.warmup, theirs),
                                                       name=f"{WORKER_PREFIX}-template", daemon=True)
        try:
            self.process.start()
        finally:
            theirs.close()
        self.ctl, self.state, self._started = ours, "warming", time.monotonic()

    def poll(self) -> str:
        """Read the template's news without waiting; the state after it."""
        with self._lock:
            return self._poll()

    def _poll(self) -> str:
        if self.state in ("warming", "ready") and select.select([self.ctl], [], [], 0)[0]:
            data = self.ctl.recv(MESSAGE_BYTES)
            news = json.loads(data) if data else {}
            if "ready" in news:
                self.state, self.info = "ready", news
                log.info("lab jobs: warm template ready in %.1f s (pid %s, %.0f MiB resident)",
                         news["ready"], self.process.pid, news["rss"] / 2**20)
            elif self.state == "ready":  # killed while idle (say by the OOM killer): warm a new one
                self._give_up("off", f"it ended ({describe_exit(self._exitcode())}); starting it again")
            else:
                self._give_up("failed", news.get("failed") or f"it ended during its warm-up "
                                                              f"({describe_exit(self._exitcode())})")
        if self.state == "warming" and time.monotonic() - self._started > self.wait_s:
            self._give_up("failed", f"its warm-up took longer than {self.wait_s:.0f} s")
        return self.state

    def fork(self, name: str):
        """A new worker, forked from the template; raises OSError if the template cannot make one."""
        self.ctl.settimeout(30.0)
        try:
            self.ctl.send(json.dumps({"fork": name}).encode())
            data, fds, _, _ = socket.recv_fds(self.ctl, MESSAGE_BYTES, 2)
        except OSError:
            self._give_up("off", "it stopped answering")
            raise
        finally:
            self.ctl.settimeout(None)
        reply = json.loads(data) if data else {"error": "the template process ended"}
        if len(fds) != 2:
            for fd in fds:
                os.close(fd)
            self._give_up("off", reply.get("error", "it sent no worker"))
            raise OSError(f"the warm template could not fork a worker: {reply.get('error')}")
        return ForkedWorker(reply["pid"], Connection(fds[0]), fds[1])

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def stop(self) -> None:
        """End the template (closing its pipe ends it); its running workers finish their jobs."""
        if self.ctl is not None:
            self.ctl.close()
        if self.process is not None:
            self.process.join(timeout=5.0)
            if self.process.is_alive():
                self.process.kill()
        self.ctl, self.state = None, "off"

    def _exitcode(self) -> int | None:
        self.process.join(timeout=1.0)
        return self.process.exitcode

    def _give_up(self, state: str, why: str) -> None:
        """Stop using the template: "failed" for good (jobs spawn cold), "off" to start it again."""
        log.warning("lab jobs: the warm template is not used: %s", why)
        self.stop()
        self.state, self.error = state, why


class ForkedWorker:
    """A worker forked from the warm template; the template reaps it and writes its exit code
    to `status_fd`, which is therefore the sentinel (EOF alone: the template itself is gone)."""

    def __init__(self, pid: int, conn, status_fd: int):
        self.pid, self.conn, self.sentinel = pid, conn, status_fd
        self._code: int | None = None
        self._ended = False

    def alive(self) -> bool:
        if not self._ended and select.select([self.sentinel], [], [], 0)[0]:
            data = os.read(self.sentinel, 4)
            self._ended, self._code = True, struct.unpack("i", data)[0] if len(data) == 4 else None
            if self._code is None:  # its template died: nobody will reap or report it, so end it now
                self._signal(signal.SIGKILL)
        return not self._ended

    def exitcode(self) -> int | None:
        select.select([self.sentinel], [], [])
        self.alive()
        return self._code

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        ask_to_stop(self.conn)

    def close(self) -> None:
        self.conn.close()
        os.close(self.sentinel)

    def _signal(self, sig: int) -> None:
        if not self._ended:  # not reaped yet, so the pid is still this worker's (a zombie at worst)
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass


# ---- inside the template process -----------------------------------------------------------
def template_main(warmup: str, ctl: socket.socket) -> None:
    """Warm up, say so, then fork a worker per request until the server closes the pipe."""
    name_process(TEMPLATE_NAME + "up")
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C on the server's terminal is the server's
    use_threads(1)  # torch's pool stays one thread here; see the module docstring
    os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    start = time.perf_counter()
    try:
        resolve(warmup)()
        gc.collect()
        _trim()
        threads = os.listdir("/proc/self/task")
        if len(threads) > 1:
            names = sorted(_thread_name(t) for t in threads if int(t) != os.getpid())
            raise RuntimeError(f"the warm-up left {len(names)} other thread(s) running ({', '.join(names)}), "
                               "which a fork would copy stopped")
    except BaseException as exc:  # noqa: BLE001 - the server is told, and spawns cold workers instead
        traceback.print_exc()
        ctl.send(json.dumps({"failed": f"{warmup}: {type(exc).__name__}: {exc}"}).encode())
        return
    ctl.send(json.dumps({"ready": round(time.perf_counter() - start, 2), "rss": _rss()}).encode())
    name_process(TEMPLATE_NAME)
    _serve(ctl)


def _serve(ctl: socket.socket) -> None:
    statuses: dict[int, int] = {}  # worker pid -> write end of its status pipe
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)  # SIGCHLD wakes the select below
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        readable = select.select([ctl, wake_r], [], [])[0]
        if wake_r in readable:
            os.read(wake_r, 4096)
            _reap(statuses)
        if ctl in readable:
            data = ctl.recv(MESSAGE_BYTES)
            if not data:
                return  # the server closed its end or died: the workers end with this process
            _fork(ctl, json.loads(data)["fork"], statuses, own=[ctl.fileno(), wake_r, wake_w])


def _fork(ctl: socket.socket, name: str, statuses: dict[int, int], own: list[int]) -> None:
    ours, theirs = socket.socketpair()
    template = os.getpid()
    status_r, status_w = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the worker: drop everything of the template's, run one job, exit
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for fd in [*own, ours.detach(), status_r, status_w, *statuses.values()]:
                os.close(fd)
            worker_main(Connection(theirs.detach()), template)
            code = 0
        except BaseException:  # noqa: BLE001 - a bug before the job's own reporting: say where
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)  # never the template's atexit handlers or finalizers
    theirs.close()
    statuses[pid] = status_w
    try:
        socket.send_fds(ctl, [json.dumps({"pid": pid, "name": name}).encode()], [ours.fileno(), status_r])
    finally:
        ours.close()
        os.close(status_r)


def _reap(statuses: dict[int, int]) -> None:
    """Collect every ended worker and write its exit code (negative: the signal) to its status pipe."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        fd = statuses.pop(pid, None)
        if fd is not None:
            try:
                os.write(fd, struct.pack("i", os.waitstatus_to_exitcode(status)))
            except OSError:
                pass  # the server closed its end already
            os.close(fd)


def _trim() -> None:
    """Give freed heap back to the OS (glibc malloc_trim), so the idle template holds less."""
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _thread_name(tid: str) -> str:
    """A thread's Python name when it is a Python thread, else the kernel's name for it."""
    named = {t.native_id: t.name for t in threading.enumerate()}
    if int(tid) in named:
        return named[int(tid)]
    try:
        with open(f"/proc/self/task/{tid}/comm") as f:
            return f.read().strip()
    except OSError:
        return tid
