"""What the progress store keeps, made safe to keep: learner codes, display names,
identifiers, capped text and canonical JSON. Pure functions; engine/progress/store.py uses them."""

from __future__ import annotations

import json
import secrets
import unicodedata
from dataclasses import asdict, is_dataclass

from engine.progress.tables import CODE_LENGTH, NAME_MAX

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 symbols, no 0/O, 1/I/L: 8 chars ≈ 39.6 bits
TEXT_MAX = 10_000  # characters kept of a raw answer or feedback


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What a learner types back ("abcd-2345 ") as stored ("ABCD2345")."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def to_json(value) -> str:
    """Canonical JSON text (sorted keys) of a parsed answer, parameters or measurements."""
    def fallback(obj):
        if is_dataclass(obj):
            return asdict(obj)
        if hasattr(obj, "model_dump"):
            return obj.model_dump()
        if isinstance(obj, (set, frozenset, tuple)):
            return sorted(obj, key=str)
        return str(obj)
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=fallback)


def capped_json(value, limit: int = 4 * TEXT_MAX) -> str:
    """to_json, but over `limit` characters it keeps only the start, marked as truncated."""
    text = to_json(value)
    return text if len(text) <= limit else to_json({"truncated": text[:TEXT_MAX]})


LAB_KEYS = ("trainable_params", "total_params", "seconds", "tokens_per_s", "skill_before", "skill_after",
            "peak_memory_bytes", "adapter_bytes", "device", "loss_curve")  # of a lab run's result (engine/lab/runs.py)


def lab_measurements(result: dict) -> dict:
    """The figures of a finished lab run worth keeping (no code, paths or answers)."""
    return {key: result[key] for key in LAB_KEYS if key in result}


def clean_name(name: str) -> str:
    """A display name as stored: trimmed, 1..100 characters, no control characters."""
    name = unicodedata.normalize("NFC", str(name or "")).strip()
    if not name:
        raise ValueError("Please type a display name.")
    if len(name) > NAME_MAX:
        raise ValueError(f"A display name is at most {NAME_MAX} characters; this one has {len(name)}.")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ValueError("A display name cannot contain control characters (tabs, newlines, ...).")
    return name


def ident(what: str, value: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValueError(f"{what} must be a non-empty string of at most {limit} characters, got {value!r}")
    return value
