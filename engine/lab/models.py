"""Which models the Lab accepts, and finding a hub model fast when there is no network.

    LORA_LAB_ALLOWED_MODELS   comma-separated globs, e.g. "models/*,HuggingFaceTB/SmolLM2-*"
        unset    the project's own `models/` folder (the shipped model is models/lora-lab-tiny)
        "*"      any local folder or hub id (the old, single-user behaviour)
    LORA_LAB_MODEL            the operator's default model: always accepted

A local folder is matched by its real path against each glob taken relative to the project
root, so `models/../../etc` cannot pass "models/*"; a hub id ("org/name") is matched as typed.
A glob is matched one path component at a time, so `*` never crosses a `/`: "models/*" is a
folder of models/, not models/lora-lab-tiny/config.json nor anything deeper. A local name must
be a model folder (one with a config.json) on this server; anything else is refused before a job
is queued, and the refusal never shows a server path that the learner did not type.

A hub id is looked up in the local Hugging Face cache first (huggingface_hub's
`snapshot_download(local_files_only=True)`); only when it is missing is the hub tried, and then
only after a TCP connection to it opens within HUB_TIMEOUT_S, because transformers otherwise
retries with back-off for about 50 s before it fails offline (measured: 49 s with no DNS).
HF_HUB_OFFLINE=1 skips the network altogether. Reference: huggingface_hub docs, "Manage
huggingface_hub cache-system" and "Environment variables" (HF_ENDPOINT, HF_HUB_OFFLINE).
"""

from __future__ import annotations

import fnmatch
import os
import socket
import threading
from pathlib import Path
from urllib.parse import urlsplit

from engine import ROOT

ALLOWED_ENV = "LORA_LAB_ALLOWED_MODELS"
MODEL_ENV = "LORA_LAB_MODEL"
DEFAULT_ALLOWED = ("models/*",)
HUB_TIMEOUT_S = 3.0  # seconds to open a TCP connection to the hub (DNS included) before calling it offline


class ModelUnavailable(OSError):
    """The model cannot be loaded here: not allowed, or a hub id with no cache and no network."""


def allowed_patterns() -> list[str]:
    """The operator's globs (LORA_LAB_ALLOWED_MODELS), or the default; plus LORA_LAB_MODEL when set."""
    patterns = [p.strip() for p in os.environ.get(ALLOWED_ENV, "").split(",") if p.strip()]
    patterns = patterns or list(DEFAULT_ALLOWED)
    default = os.environ.get(MODEL_ENV, "").strip()
    return patterns + [default] if default and default not in patterns else patterns


def _looks_local(name: str) -> bool:
    """A folder, as finetune.resolve_model decides: a path-like name, or one that exists here."""
    return (_looks_local_pattern(name) or (ROOT / name).exists() or Path(name).expanduser().exists())


def _real(path: str) -> str:
    p = Path(path).expanduser()
    return os.path.realpath(p if p.is_absolute() else ROOT / p)


def is_allowed(name: str, patterns: list[str] | None = None) -> bool:
    """True when `name` (a local folder or hub id) matches one of the allowed globs."""
    patterns = allowed_patterns() if patterns is None else patterns
    if "*" in patterns:
        return True
    if _looks_local(name):
        real = _real(name)
        return any(_glob_match(real, _real_prefix(p)) for p in patterns)
    return any(_glob_match(name, p) for p in patterns if not _looks_local_pattern(p))


def _glob_match(name: str, pattern: str) -> bool:
    """fnmatch per path component: `*` matches within one folder name, never across a `/`."""
    names, globs = name.rstrip("/").split("/"), pattern.rstrip("/").split("/")
    return len(names) == len(globs) and all(fnmatch.fnmatchcase(n, g) for n, g in zip(names, globs))


def _real_prefix(pattern: str) -> str:
    """The glob made absolute, its folders before the first wildcard resolved as a model path is
    (so "/tmp/x/*" still matches when /tmp is a symlink)."""
    p = Path(pattern).expanduser()
    parts = (p if p.is_absolute() else ROOT / p).parts
    fixed = next((i for i, part in enumerate(parts) if any(c in part for c in "*?[")), len(parts))
    return os.path.join(os.path.realpath(os.path.join(*parts[:fixed])), *parts[fixed:])


def _looks_local_pattern(pattern: str) -> bool:
    return pattern.startswith(("/", ".", "~", "models/")) or pattern.count("/") > 1


def check_allowed(name: str) -> None:
    """ModelUnavailable unless `name` is allowed and, when it is local, a model folder here. The
    message names the allowed globs, except those that would show where the server keeps files."""
    if not is_allowed(name):
        shown = [p for p in allowed_patterns() if not Path(p).expanduser().is_absolute()]
        hidden = len(allowed_patterns()) - len(shown)
        listed = ", ".join(shown) + (f" and {hidden} folder{'s' * (hidden > 1)} of the server" if hidden else "")
        raise ModelUnavailable(f"the Lab on this server accepts only {listed or 'folders of the server'} (you gave "
                               f"{name!r}); the operator can allow more with {ALLOWED_ENV}")
    if _looks_local(name):
        folder = Path(_real(name))
        if not folder.is_dir():
            what = "a file" if folder.exists() else "not a folder on this server"
            raise ModelUnavailable(f"{name!r} is {what}: give a model folder, one that holds a config.json "
                                   f"(such as models/lora-lab-tiny)")
        if not (folder / "config.json").is_file():
            raise ModelUnavailable(f"{name!r} has no config.json, so it is not a model folder (such as "
                                   f"models/lora-lab-tiny)")


def _hub_host() -> tuple[str, int]:
    url = urlsplit(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    return url.hostname or "huggingface.co", url.port or (80 if url.scheme == "http" else 443)


def hub_reachable(timeout: float = HUB_TIMEOUT_S) -> bool:
    """True when a TCP connection to the hub opens within `timeout` seconds, DNS included.

    DNS has no timeout of its own (getaddrinfo), so the probe runs in a daemon thread.
    """
    result: list[bool] = []

    def probe():
        try:
            socket.create_connection(_hub_host(), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(result and result[0])


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def locate_hub_model(repo_id: str, *, timeout: float = HUB_TIMEOUT_S) -> str:
    """The local snapshot folder of a cached hub model; else the id, when the hub answers; else ModelUnavailable."""
    from huggingface_hub import constants, snapshot_download
    from huggingface_hub.errors import HFValidationError

    try:
        return snapshot_download(repo_id, local_files_only=True)
    except HFValidationError as exc:
        raise ModelUnavailable(f"{repo_id!r} is neither a model folder nor a Hugging Face id: {exc}") from None
    except OSError:  # LocalEntryNotFoundError: not in the cache
        pass
    where = f"{repo_id} is not in the local Hugging Face cache ({constants.HF_HUB_CACHE})"
    if _offline():
        raise ModelUnavailable(f"{where} and HF_HUB_OFFLINE is set; download it first or use a local folder")
    if not hub_reachable(timeout):
        host, _ = _hub_host()
        raise ModelUnavailable(f"{where} and {host} did not answer within {timeout:g} s (no network?); "
                               f"download it first (hf download {repo_id}) or use a local folder")
    return repo_id
