"""The lab's runs on the job queue: settings from a form, a comparison of methods as one
group of jobs, and what the page shows of their results (tables, the adapter zip).

The job function is `engine.lab.finetune:run_lab` (imported by name in the worker, never
here). `LORA_LAB_JOB_TARGET=module:function` swaps in another with the same signature,
e.g. a fast fake for UI tests; `LORA_LAB_MODEL` sets the default model path or hub id;
`LORA_LAB_RUNS` is where runs write their adapters (default: the system temp dir).
"""

from __future__ import annotations

import io
import os
import tempfile
import uuid
import zipfile
from pathlib import Path

from pydantic import ValidationError

from engine.lab.jobs import JobQueue
from engine.lab.settings import GlossaryEntry, LabSettings

METHODS: tuple[str, ...] = ("full", "lora", "qlora")
# The two files of a PEFT checkpoint (PEFT docs, "PEFT checkpoint format").
ADAPTER_FILES: tuple[str, ...] = ("adapter_config.json", "adapter_model.safetensors")


class SettingsError(ValueError):
    """Settings out of bounds; `messages` has one line per field, naming it."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def job_target() -> str:
    return os.environ.get("LORA_LAB_JOB_TARGET", "engine.lab.finetune:run_lab")


def default_model(fallback: str) -> str:
    """The model field's default: env LORA_LAB_MODEL, else the lesson's (the shipped model)."""
    return os.environ.get("LORA_LAB_MODEL", "").strip() or fallback


def runs_dir() -> Path:
    return Path(os.environ.get("LORA_LAB_RUNS") or Path(tempfile.gettempdir()) / "lora-lab-runs")


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


def submit_comparison(queue: JobQueue, settings: LabSettings, glossary: list[GlossaryEntry],
                      methods: list[str]) -> dict[str, str]:
    """One job per method, same settings and data, queued as one group; returns method -> job id."""
    unknown = [m for m in methods if m not in METHODS]
    if not methods or unknown:
        raise SettingsError([f"methods: choose one or more of {', '.join(METHODS)} (you gave {methods!r})"])
    run = uuid.uuid4().hex[:12]
    kwargs = {m: {"settings": settings, "glossary": list(glossary), "method": m,
                  "output_dir": str(runs_dir() / f"{run}-{m}")} for m in methods}
    return queue.submit_group(job_target(), kwargs)


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


def answer_rows(results: dict[str, dict]) -> list[dict]:
    """Each held-back question once: the expected answer, the answer before, and after per method."""
    rows: dict[tuple, dict] = {}
    for method, r in results.items():
        for a in r["answers"]:
            row = rows.setdefault((a["term"], a["question"]), {
                "term": a["term"], "question": a["question"], "expected": a["expected"], "before": a["before"]})
            row[f"after ({method})"] = a["after"]
    return list(rows.values())
