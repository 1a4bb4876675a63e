"""What the progress store keeps, made safe to keep: learner codes (as a hash), display names,
identifiers, capped text and canonical JSON. Pure functions; engine/progress/store.py uses them.

A learner code is a credential, so the store keeps only `code_digest(code)`: scrypt (RFC 7914;
Python's hashlib.scrypt) with a fixed salt, so that a lookup by code stays one indexed query,
and a cost of about 10-20 ms per code on one core: someone holding a copy of the database
would need hundreds of CPU-years to try the 31**8 codes (39.6 bits), against minutes for
plain SHA-256. Each process remembers the digests it computed, so a signed-in page does not
pay the cost on every rerun.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
import unicodedata
from dataclasses import asdict, is_dataclass

NAME_MAX = 100  # characters in a display name
CODE_LENGTH = 8  # characters in a learner code
DIGEST_LENGTH = 64  # hex characters of a stored code hash (code_digest)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 symbols, no 0/O, 1/I/L: 8 chars ≈ 39.6 bits
TEXT_MAX = 10_000  # characters kept of a raw answer or feedback


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    """What a learner types back ("abcd-2345 ") as issued ("ABCD2345")."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def could_be_code(code: str) -> bool:
    """True when `code` (normalised) could have been issued (at most 16 characters, as the column
    always allowed): no hash is worth computing otherwise."""
    return 0 < len(code) <= 16


# scrypt parameters of version 1 of the code hash (engine/progress/tables.py, migration 9): N = 2**13,
# r = 8 (8 MiB of memory per hash), p = 1. Changing them needs a new migration, since every stored
# digest was made with them; the salt is fixed so that a code finds its row by an index lookup.
_SCRYPT = dict(salt=b"lora-lab learner code v1", n=2**13, r=8, p=1, dklen=32)


@functools.lru_cache(maxsize=4096)
def code_digest(code: str) -> str:
    """The hex digest the store keeps of a normalised learner code (64 characters)."""
    return hashlib.scrypt(code.encode(), **_SCRYPT).hex()


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
    """A display name as stored: trimmed, 1..100 characters, no control or format characters.

    Format characters (Unicode category Cf) are invisible: a right-to-left override (U+202E)
    makes "Ana\u202egnp.exe" show as "Anaexe.png", and zero-width ones make two names that
    look the same differ, so the instructor could not tell learners apart."""
    name = unicodedata.normalize("NFC", str(name or "")).strip()
    if not name:
        raise ValueError("Please type a display name.")
    if len(name) > NAME_MAX:
        raise ValueError(f"A display name is at most {NAME_MAX} characters; this one has {len(name)}.")
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        raise ValueError("A display name cannot contain control characters (tabs, newlines, ...).")
    hidden = sorted({f"U+{ord(ch):04X}" for ch in name if unicodedata.category(ch) == "Cf"})
    if hidden:
        raise ValueError(f"A display name cannot contain invisible format characters (this one has "
                         f"{', '.join(hidden)}, such as a right-to-left override); please type it again.")
    return name


def ident(what: str, value: str, limit: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ValueError(f"{what} must be a non-empty string of at most {limit} characters, got {value!r}")
    return value
