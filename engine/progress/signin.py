"""Staying signed in: a signed, expiring token that names a learner, for a browser cookie.

    issue(learner_id, secret=..., now=..., days=...)   -> "v1.<id>.<expires>.<signature>"
    verify(token, secret=..., now=...)                 -> learner id, or None
    secret_key()                                       -> the server's signing key (bytes)

The token holds no secret of the learner's (not their code): only their id and when it expires,
signed with HMAC-SHA256 under a key only the server knows (RFC 2104; Python docs, hmac:
`compare_digest` compares in constant time). Forging one needs that key; a stolen one works
until it expires, like any bearer cookie (OWASP Session Management Cheat Sheet). Signing out
deletes the cookie in that browser; rotating the key signs every browser out.

The key is LORA_LAB_SIGNIN_SECRET (environment or st.secrets, read by the caller), else 32
random bytes kept in `<data folder>/signin-secret` (mode 0600, made on first use), so a restart
keeps learners signed in. Replicas that share one database must share one key: set the variable.
Pure apart from that file: the clock is passed in, nothing here imports Streamlit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

VERSION = "v1"
DAYS_ENV = "LORA_LAB_SIGNIN_DAYS"
SECRET_ENV = "LORA_LAB_SIGNIN_SECRET"
DEFAULT_DAYS = 30.0
SECRET_FILE = "signin-secret"
_KEY_BYTES = 32  # 256 bits, the size of an HMAC-SHA256 output (RFC 2104 §3: at least L bytes)


def issue(learner_id: int, *, secret: bytes, now: float, days: float) -> str:
    """A token for `learner_id` that `verify` accepts until `days` after `now` (seconds since the epoch)."""
    if not (isinstance(learner_id, int) and learner_id > 0):
        raise ValueError(f"learner id must be a positive integer, got {learner_id!r}")
    if not days > 0:
        raise ValueError(f"days must be more than 0, got {days!r}")
    body = f"{VERSION}.{learner_id}.{int(now + days * 86_400)}"
    return f"{body}.{_sign(body, secret)}"


def verify(token: str | None, *, secret: bytes, now: float) -> int | None:
    """The learner id a well-formed, correctly signed, unexpired token names; otherwise None."""
    parts = (token or "").split(".")
    if len(parts) != 4 or parts[0] != VERSION or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    body = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3].encode(), _sign(body, secret).encode()):
        return None
    if int(parts[2]) <= now:
        return None
    return int(parts[1])


def expires_at(token: str) -> int:
    """When a token `verify` accepted runs out (seconds since the epoch)."""
    return int(token.split(".")[2])


def days_setting() -> float:
    """How long a browser stays signed in: LORA_LAB_SIGNIN_DAYS (default 30; 0 = this tab only)."""
    raw = os.environ.get(DAYS_ENV, "").strip()
    try:
        days = float(raw) if raw else DEFAULT_DAYS
    except ValueError:
        raise ValueError(f"{DAYS_ENV} must be a number of days, 0 or more (the server has {raw!r})") from None
    if not days >= 0 or days == float("inf"):
        raise ValueError(f"{DAYS_ENV} must be a number of days, 0 or more (the server has {raw!r})")
    return days


def secret_key(configured: str | None, folder: Path) -> bytes:
    """`configured` (LORA_LAB_SIGNIN_SECRET) when set, else the key in folder/signin-secret, made once.
    Raises OSError when the folder cannot hold it; the caller then keeps sign-in to the tab."""
    if configured and configured.strip():
        return configured.strip().encode()
    path = folder / SECRET_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_bytes(_KEY_BYTES)
    try:  # O_EXCL: of two servers starting at once, one writes and the other reads its key
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(handle, "wb") as out:
        out.write(key)
    return key


def _read_key(path: Path) -> bytes:
    key = path.read_bytes()
    if len(key) < 16:
        raise OSError(f"{path} holds {len(key)} bytes, too short for a signing key; delete it to make a new one")
    return key


def _sign(body: str, secret: bytes) -> str:
    digest = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
