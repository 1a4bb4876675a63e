"""The lab's runs on the job queue: settings from a form, a comparison of methods as one
group of jobs, and what the page shows of their results (tables, the adapter zip).

The job function is `engine.lab.finetune:run_lab` (imported by name in the worker, never
here). `LORA_LAB_JOB_TARGET=module:function` swaps in another with the same signature,
e.g. a fast fake for UI tests; `LORA_LAB_MODEL` sets the default model path or hub id;
`LORA_LAB_RUNS` is where runs write their adapters: by default `runs/` in the data folder
(`LORA_LAB_DATA`, as engine/progress/store.py), made private (mode 0700) so other users of
the machine cannot list or read learners' runs. Runs older than `LORA_LAB_RUNS_MAX_AGE_DAYS`
(default 7; 0 keeps them forever) are deleted when a new one is submitted. The model must be
one the operator allows (`LORA_LAB_ALLOWED_MODELS`, engine/lab/models.py).
"""

from __future__ import annotations

import io
import logging
import math
import os
import re
import shutil
import time
import uuid
import zipfile
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from engine import ROOT
from engine.lab.models import ModelUnavailable, check_allowed
from engine.lab.settings import GlossaryEntry, LabSettings

log = logging.getLogger(__name__)
METHODS: tuple[str, ...] = ("full", "lora", "qlora")
# The two files of a PEFT checkpoint (PEFT docs, "PEFT checkpoint format").
ADAPTER_FILES: tuple[str, ...] = ("adapter_config.json", "adapter_model.safetensors")


class SettingsError(ValueError):
    """Settings out of bounds; `messages` has one line per field, naming it."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class Submits(Protocol):
    """What submit_comparison needs of a job queue (engine/jobs: the local one or the shared one)."""

    def submit_group(self, target: str, kwargs_by_label: dict[str, dict], *, owner: str | None = None,
                     anonymous_from: str | None = None) -> dict[str, str]: ...


def job_target() -> str:
    return os.environ.get("LORA_LAB_JOB_TARGET", "engine.lab.finetune:run_lab")


def default_model(fallback: str) -> str:
    """The model field's default: env LORA_LAB_MODEL, else the lesson's (the shipped model)."""
    return os.environ.get("LORA_LAB_MODEL", "").strip() or fallback


MAX_AGE_ENV = "LORA_LAB_RUNS_MAX_AGE_DAYS"
DEFAULT_MAX_AGE_DAYS = 7.0
_RUN_NAME = re.compile(r"[0-9a-f]{12}-(full|lora|qlora)")  # what submit_comparison names a run's folder
CLI_RUN_NAME = re.compile(r"lora-lab-[A-Za-z0-9_]{8}")  # what the CLI's tempfile.mkdtemp names one (finetune.py)


def runs_dir() -> Path:
    """Where runs write adapters: LORA_LAB_RUNS, else <LORA_LAB_DATA or <project>/data>/runs."""
    data = Path(os.environ.get("LORA_LAB_DATA") or ROOT / "data")  # as engine.progress.store.data_dir
    return Path(os.environ.get("LORA_LAB_RUNS") or data / "runs")


def private_runs_dir() -> Path:
    """runs_dir(), created if missing; readable only by the server's user (mode 0700) when it is
    the default folder or was created here. A folder the operator named and made is left as it is
    (LORA_LAB_RUNS=/tmp must not close /tmp)."""
    path = runs_dir()
    ours = not os.environ.get("LORA_LAB_RUNS") or not path.exists()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if ours and path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def max_age_days() -> float:
    raw = os.environ.get(MAX_AGE_ENV, "").strip()
    try:
        days = float(raw) if raw else DEFAULT_MAX_AGE_DAYS
    except ValueError:
        raise SettingsError([f"{MAX_AGE_ENV}: must be a number of days (the server has {raw!r})"]) from None
    if math.isnan(days) or days < 0:
        raise SettingsError([f"{MAX_AGE_ENV}: must be 0 (keep runs) or more days (the server has {raw!r})"])
    return days


def prune_runs(folder: Path, *, max_age_s: float, now: float | None = None,
               named: re.Pattern = _RUN_NAME) -> list[str]:
    """Delete the run folders in `folder` last changed more than max_age_s seconds ago; return their names.

    Only folders `named` as runs are (by submit_comparison; CLI_RUN_NAME for the CLI's), so a
    LORA_LAB_RUNS that points at a shared folder loses nothing else.
    """
    if max_age_s <= 0 or not folder.is_dir():
        return []
    cutoff, removed = (time.time() if now is None else now) - max_age_s, []
    for child in folder.iterdir():
        try:
            if named.fullmatch(child.name) and child.is_dir() and not child.is_symlink() \
                    and child.stat().st_mtime < cutoff:
                shutil.rmtree(child)
                removed.append(child.name)
        except OSError:  # gone already, or not ours to delete: the next prune tries again
            continue
    return removed


def parse_settings(values: dict) -> LabSettings:
    """LabSettings from form values, or SettingsError with e.g. "rank: must be at most 64 (you gave 100)"."""
    try:
        return LabSettings.model_validate(values)
    except ValidationError as exc:
        raise SettingsError([_message(error) for error in exc.errors()]) from None


def _message(error: dict) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "settings"
    bounds = error.get("ctx") or {}
    words = {"le": "at most", "lt": "less than", "ge": "at least", "gt": "more than"}
    limit = next((f"must be {words[k]} {bounds[k]:g}" for k in words if k in bounds), None)
    text = limit or error["msg"][0].lower() + error["msg"][1:]
    given = error.get("input")
    return f"{field}: {text}" if isinstance(given, dict) else f"{field}: {text} (you gave {given!r})"


def submit_comparison(queue: Submits, settings: LabSettings, glossary: list[GlossaryEntry],
                      methods: list[str], *, owner: str | None = None,
                      anonymous_from: str | None = None) -> dict[str, str]:
    """One job per method, same settings and data, queued as one group for `owner` (whose cap and
    turn it counts against; `anonymous_from`: their client address when they have not signed in);
    returns method -> job id."""
    unknown = [m for m in methods if m not in METHODS]
    if not methods or unknown:
        raise SettingsError([f"methods: choose one or more of {', '.join(METHODS)} (you gave {methods!r})"])
    try:
        check_allowed(settings.model)
    except ModelUnavailable as exc:
        raise SettingsError([f"model: {exc}"]) from None
    try:
        folder = private_runs_dir()
    except OSError as exc:  # LORA_LAB_DATA or LORA_LAB_RUNS names a file, or a folder we cannot write
        log.error("the lab's runs folder %s cannot be written: %s", runs_dir(), exc)  # the path: for the operator
        raise SettingsError([f"runs folder: the server cannot write its runs folder ({exc.strerror or exc}); "
                             f"the operator can check LORA_LAB_RUNS and LORA_LAB_DATA"]) from None
    prune_runs(folder, max_age_s=max_age_days() * 86_400)
    run = uuid.uuid4().hex[:12]
    kwargs = {m: {"settings": settings, "glossary": list(glossary), "method": m,
                  "output_dir": str(folder / f"{run}-{m}")} for m in methods}
    return queue.submit_group(job_target(), kwargs, owner=owner, anonymous_from=anonymous_from)


def adapter_zip(adapter_dir: str | Path) -> bytes:
    """The trained adapter as a zip of adapter_config.json + adapter_model.safetensors,
    loadable after unzipping with `PeftModel.from_pretrained(base, folder)`."""
    folder = Path(adapter_dir)
    missing = [name for name in ADAPTER_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"the adapter folder {folder} lacks {', '.join(missing)}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in ADAPTER_FILES:
            archive.write(folder / name, arcname=name)
    return buffer.getvalue()


def ledger_total(ledger: dict) -> int:
    """Bytes in the ledger: weights + gradients + optimizer state (its `total_bytes` when given;
    the other *_bytes entries, such as base and trainable weights, are parts of these)."""
    if "total_bytes" in ledger:
        return int(ledger["total_bytes"])
    return sum(int(ledger.get(k, 0)) for k in ("weights_bytes", "gradient_bytes", "optimizer_bytes"))


def summary_rows(results: dict[str, dict]) -> list[dict]:
    """One row per method: the figures the page compares side by side."""
    rows = []
    for method, r in results.items():
        rows.append({
            "method": method,
            "trainable %": round(100 * r["trainable_params"] / max(1, r["total_params"]), 3),
            "trainable params": r["trainable_params"],
            "total params": r["total_params"],
            "seconds": round(r["seconds"], 1),
            "tokens/s": round(r["tokens_per_s"]),
            "skill before": r["skill_before"],
            "skill after": r["skill_after"],
            "adapter kB": round(r["adapter_bytes"] / 1e3, 1),  # kB = 10**3 bytes, as file sizes
            "base model MB": round(r["base_model_bytes"] / 1e6, 3),
            "device": r["device"],
            "CPU threads": r.get("threads"),
        })
    return rows


def figure_rows(results: dict[str, dict]) -> list[dict]:
    """summary_rows turned on its side: one row per figure, one column per method, every cell text, so
    the table is as narrow as the methods compared and fits a page (or a phone) without cutting columns."""
    by_method = {row["method"]: row for row in summary_rows(results)}
    names = [name for name in next(iter(by_method.values()), {}) if name != "method"]
    return [{"figure": name, **{m: _cell(row.get(name)) for m, row in by_method.items()}} for name in names]


def _cell(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def early_stops(results: dict[str, dict]) -> list[str]:
    """"qlora stopped at step 84 of 90: loss under 0.08" for each run the stop rule ended early."""
    lines = []
    for method, r in results.items():
        stopped, steps = r.get("stopped_at"), r.get("steps")
        if isinstance(stopped, int) and isinstance(steps, int) and stopped < steps:
            why = (f"loss under {r['stop_loss']:g}" if r.get("stop_reason") == "converged" and r.get("stop_loss")
                   else "the loss stopped falling" if r.get("stop_reason") == "converged" else str(r.get("stop_reason")))
            lines.append(f"{method} stopped at step {stopped} of {steps}: {why}")
    return lines


def answer_rows(results: dict[str, dict]) -> list[dict]:
    """Each held-back question once: the expected answer, the answer before, and after per method."""
    rows: dict[tuple, dict] = {}
    for method, r in results.items():
        for a in r["answers"]:
            row = rows.setdefault((a["term"], a["question"]), {
                "term": a["term"], "question": a["question"], "expected": a["expected"], "before": a["before"]})
            row[f"after ({method})"] = a["after"]
    return list(rows.values())
