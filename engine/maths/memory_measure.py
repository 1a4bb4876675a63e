"""Measure one training step's peak memory and set it beside engine.maths.memory's prediction.

The model is a real architecture's *shape* (a preset config.json) with RANDOM weights:
the values of the weights do not change how many bytes they take. Each method (full,
lora, qlora) runs in a fresh child process, so one run's allocator caches and freed-but-kept
pages never count toward the next. On a CPU the child is a fork of this process, which
imports torch and the libraries once for all three (a lab worker forked from the warm
template has them already), its OpenMP pool released first (openmp_paused); on a GPU,
and where that cannot be done, a new interpreter.

What is measured (per method, two training steps, gradients freed after each step
with zero_grad(set_to_none=True) as HF Trainer does; the second step has the
optimizer state from the first):
    GPU: torch.cuda.max_memory_allocated() over the two steps (the CUDA context is not
         in it, so the prediction's overhead is set to 0).
    CPU: peak RSS (VmHWM in /proc/self/status, reset through /proc/self/clear_refs
         after the model is built) minus the RSS measured before the model was built.
"states": bytes held right after the last optimizer step (weights + gradients + optimizer
state; activations already freed). engine.maths.memory's peak adds activations and logits on top
of all states, an upper bound: with gradients freed between steps they never all coexist.
The child runs with a 64 KiB mmap threshold (MALLOC_MMAP_THRESHOLD_, or mallopt in a fork)
so that freed tensors leave the RSS.

On the CPU the step runs in fp32 with torch AdamW (bitsandbytes' 8-bit optimizers
need a GPU); on a GPU in bf16 (adapters fp32, PEFT's default). AdamW is torch's fused
kernel (fused=True, HF Trainer's default "adamw_torch_fused"), which updates in place.
Before the baseline the child trains a one-layer toy of the same family once, so lazy
imports and kernel set-up are not counted as the model's memory.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import threading
import time
from typing import Callable

from engine.maths import memory, memory_step

CHILD_TIMEOUT_S = 1800


class WontFit(RuntimeError):
    """The predicted peak is larger than the machine's free memory."""


class Stopped(Exception):
    """should_stop() returned True while a measurement ran; its subprocess was killed."""


def scaled(config: dict, layers: int | None) -> dict:
    """The config with its layer count replaced (to fit a small machine), else unchanged."""
    if layers is None:
        return dict(config)
    if not 1 <= layers <= 1000:
        raise ValueError(f"--layers must be in 1..1000, got {layers}")
    key = "n_layer" if "n_layer" in config else "num_hidden_layers"
    return {**config, key: layers}


def measured_setup(setup: memory.TrainingSetup, method: str, device: str) -> memory.TrainingSetup:
    """The setup a measurement actually runs, so the prediction describes the same step."""
    precision = "fp32" if device == "cpu" else ("bf16" if setup.precision == "mixed" else setup.precision)
    optimizer = "adamw" if device == "cpu" else setup.optimizer
    return setup.model_copy(update={"method": method, "precision": precision, "optimizer": optimizer,
                                    "overhead_bytes": 0, "attention": "sdpa"})


def device_and_free() -> tuple[str, int]:
    """("cuda", free GPU bytes) when torch sees a GPU, else ("cpu", available RAM bytes)."""
    import psutil
    import torch

    if torch.cuda.is_available():
        free, _total = torch.cuda.mem_get_info()
        return "cuda", int(free)
    return "cpu", int(psutil.virtual_memory().available)


def measure_all(config: dict, setup: memory.TrainingSetup, *, methods: list[str], layers: int | None = None,
                label: str = "model") -> list[dict]:
    """Predict, check it fits, then run one fresh child process per method. One dict per method."""
    config = scaled(config, layers)
    device, free = device_and_free()
    return [measure_one(config, setup, method, device=device, free=free, label=label) for method in methods]


def measure_one(config: dict, setup: memory.TrainingSetup, method: str, *, device: str, free: int,
                label: str = "model", should_stop: Callable[[], bool] | None = None) -> dict:
    """Predict one method's step, refuse it if it will not fit in `free` bytes, then measure it
    in a fresh child process. `should_stop()` is polled while the child runs: True kills it (Stopped)."""
    if method not in ("full", "lora", "qlora"):
        raise ValueError(f"unknown method {method!r}; choose from full, lora, qlora")
    run_setup = measured_setup(setup, method, device)
    predicted = memory.estimate(config, run_setup)
    need = predicted.total + predicted.offloaded_total if device == "cpu" else predicted.total
    if need * 1.15 > free:  # 15% headroom for the allocator and the step's temporaries
        raise WontFit(f"{label} {method}: predicted {need / memory.GIB:.2f} GiB (+15% headroom) but only "
                      f"{free / memory.GIB:.2f} GiB of {device} memory is free; "
                      "try --layers N or a smaller --seq/--batch")
    result = _run_child(config, run_setup, device, should_stop or (lambda: False))
    return _row(label, method, device, config, run_setup, predicted, result)


def _run_child(config: dict, setup: memory.TrainingSetup, device: str, should_stop: Callable[[], bool]) -> dict:
    """One measurement in a fresh child: a fork of this process where that is safe (torch & co
    imported once for every method; a lab worker forked from the warm template has them already),
    else a new interpreter."""
    request = {"config": config, "setup": setup.model_dump(), "device": device}
    if device == "cpu" and sys.platform.startswith("linux") and threading.active_count() == 1:
        memory_step.import_libraries(request["setup"])  # once, here, for every fork
        if openmp_paused():
            return {**_forked(request, should_stop), "child": "fork"}
    return {**_spawned(request, should_stop), "child": "new interpreter"}


def openmp_paused() -> bool:
    """Free this process's OpenMP thread pool so that a fork of it can train; False if that cannot be done.

    A fork copies only the calling thread. An OpenMP team is copied without its threads, and GNU
    libgomp then hangs the child at its first parallel region (measured here: a child of a process
    that had run one 2-thread matmul never finished). omp_pause_resource_all(omp_pause_hard)
    (OpenMP 5.0, section 3.2.44) releases the pool; the next parallel region, in the parent or the
    child, builds a new one (measured: the same child then finished in seconds). torch's own
    pthreadpool and OpenBLAS's threads re-create themselves in a child (pthread_atfork). Forked
    only where this is the process's one Python thread (a CLI, a lab worker), since another's
    locks would be copied held; only on the CPU: a child cannot use CUDA once its parent has
    initialised it."""
    runtime = _loaded_openmp()
    if runtime is None:
        return True  # no OpenMP in this process: nothing to release
    try:
        return ctypes.CDLL(runtime).omp_pause_resource_all(2) == 0  # 2 = omp_pause_hard
    except (OSError, AttributeError):  # a runtime older than OpenMP 5.0
        return False


def _loaded_openmp() -> str | None:
    """The path of the OpenMP runtime this process has loaded (GNU libgomp, LLVM libomp, Intel libiomp)."""
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                name = line.rsplit("/", 1)[-1]
                if name.startswith(("libgomp", "libomp", "libiomp5")):
                    return line.split(None, 5)[-1].strip()
    except OSError:
        pass
    return None


def _forked(request: dict, should_stop: Callable[[], bool]) -> dict:
    read, write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: measure, write one JSON line, exit without the parent's exit handlers
        os.close(read)
        libc = ctypes.CDLL(None)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: end with the process that forked it
        libc.mallopt(-3, 65536)  # M_MMAP_THRESHOLD, as MALLOC_MMAP_THRESHOLD_ does for a new process
        code, out = 1, {"error": "no result"}
        try:
            out, code = memory_step.measure(request), 0
        except BaseException as exc:  # noqa: BLE001 - reported to the parent below
            out = {"error": f"{type(exc).__name__}: {exc}"}
        finally:
            os.write(write, json.dumps(out).encode())
            os._exit(code)
    os.close(write)
    try:
        _wait_readable(read, request["setup"]["method"], should_stop)
        with os.fdopen(read, "rb") as pipe:
            read = None
            result = json.loads(pipe.read() or b'{"error": "the child ended without a result"}')
    finally:
        if read is not None:
            os.close(read)
            os.kill(pid, signal.SIGKILL)  # stopped or timed out: the child must not outlive the request
        os.waitpid(pid, 0)
    if "error" in result:
        raise RuntimeError(f"measurement child failed ({request['setup']['method']}): {result['error']}")
    return result


def _wait_readable(fd: int, method: str, should_stop: Callable[[], bool]) -> None:
    """Poll should_stop 5 times a second until the child writes (Stopped) or CHILD_TIMEOUT_S passes."""
    deadline = time.monotonic() + CHILD_TIMEOUT_S
    while not select.select([fd], [], [], 0.2)[0]:
        if should_stop():
            raise Stopped(f"stopped while measuring {method}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"measurement child ({method}) took over {CHILD_TIMEOUT_S} s")


def _spawned(request: dict, should_stop: Callable[[], bool]) -> dict:
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "TOKENIZERS_PARALLELISM": "false"}
    setup = request["setup"]
    proc = subprocess.Popen([sys.executable, "-m", "engine.maths.memory_step"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline, message = time.monotonic() + CHILD_TIMEOUT_S, json.dumps(request)
    try:
        while True:
            try:  # poll should_stop 5 times a second; the input is sent on the first call only
                stdout, stderr = proc.communicate(message, timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                message = None
                if should_stop():
                    raise Stopped(f"stopped while measuring {setup['method']}") from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"measurement subprocess ({setup['method']}) took over {CHILD_TIMEOUT_S} s") from None
    finally:
        if proc.poll() is None:  # stopped or timed out: the child must not outlive the request
            proc.kill()
            proc.wait()
    lines = [ln for ln in stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (stderr or stdout).strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"measurement subprocess failed ({setup['method']}): {tail[0]}")
    return json.loads(lines[-1])


def _row(label, method, device, config, setup, predicted, result) -> dict:
    from engine.maths import lora

    return {
        "model": label, "method": method, "device": device, "layers": lora.num_layers(config),
        "batch_size": setup.batch_size, "seq_len": setup.seq_len, "rank": setup.rank,
        "precision": setup.precision, "optimizer": setup.optimizer, "weights": "random (shape only)",
        "predicted_states": predicted.states, "measured_states": result["states"],
        "predicted_peak": predicted.total, "measured_peak": result["peak"],
        "ratio_states": result["states"] / predicted.states, "ratio_peak": result["peak"] / predicted.total,
        "predicted_components": predicted.components, "seconds": result["seconds"], "child": result["child"],
    }


def format_rows(rows: list[dict]) -> str:
    """Predicted vs measured, GiB and measured/predicted ratio, one line per method."""
    gib = memory.GIB
    out = [f"{'model':<16}{'method':<7}{'L':>3}  {'states pred':>11} {'meas':>7} {'ratio':>6}   "
           f"{'peak pred':>9} {'meas':>7} {'ratio':>6}  (GiB; random weights, {rows[0]['device'] if rows else '-'})"]
    for r in rows:
        out.append(f"{r['model'][-15:]:<16}{r['method']:<7}{r['layers']:>3}  {r['predicted_states'] / gib:>11.3f} "
                   f"{r['measured_states'] / gib:>7.3f} {r['ratio_states']:>6.3f}   {r['predicted_peak'] / gib:>9.3f} "
                   f"{r['measured_peak'] / gib:>7.3f} {r['ratio_peak']:>6.3f}")
    return "\n".join(out)


RESULTS_PATH = "benchmarks/results/memory_measured.json"


def load_results(path: str = RESULTS_PATH) -> dict | None:
    """The benchmark's saved results ({"rows": [...], ...}), or None when absent or unreadable."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("rows"), list) else None
