"""Ray's token authentication (Ray 2.52 and later) as the app meets it when it connects.

With RAY_AUTH_MODE=token on the cluster, every client, node and dashboard request presents the
cluster's token, taken from RAY_AUTH_TOKEN, else the file RAY_AUTH_TOKEN_PATH names, else
~/.ray/auth_token (Ray docs, "Ray token authentication" and "Token Authentication"). An explicit
address never turns the mode on by itself (Ray 2.60, ray/_private/worker.py), so the app sets
RAY_AUTH_MODE=token as well. How Ray shows each way it can go wrong:

    the cluster wants a token, the app's mode is unset   ray.init waits ~20 s, then "Failed to connect"
    RAY_AUTH_TOKEN_PATH unreadable or empty              Ray aborts the whole process (the app server)
    RAY_AUTH_MODE=token and no token anywhere            AuthenticationError, at once

`check_auth` refuses the two that can be seen before connecting, at once and in words;
`connect` words whatever ray.init raises, naming the variables to set.
"""

from __future__ import annotations

import os
from pathlib import Path

HOW = ("start the app with RAY_AUTH_MODE=token and the cluster's token in RAY_AUTH_TOKEN_PATH (a file), "
       "RAY_AUTH_TOKEN or ~/.ray/auth_token (README, \"Ray's security\")")


def check_auth(environ: dict[str, str] | None = None) -> None:
    """ValueError when the environment's token settings cannot work: a token Ray would ignore, or a
    token file Ray would abort on."""
    env = os.environ if environ is None else environ
    mode = env.get("RAY_AUTH_MODE", "").strip().lower()
    given = [name for name in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH") if env.get(name, "").strip()]
    if given and mode != "token":
        raise ValueError(f"{' and '.join(given)} set, but RAY_AUTH_MODE is {mode or 'unset'}, not 'token': "
                         "Ray ignores the token when it connects to a cluster; set RAY_AUTH_MODE=token")
    path = env.get("RAY_AUTH_TOKEN_PATH", "").strip()
    if mode == "token" and path and not env.get("RAY_AUTH_TOKEN", "").strip():
        try:
            empty = not Path(path).expanduser().read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"RAY_AUTH_TOKEN_PATH={path}: cannot read the token file ({exc.strerror or exc})") from None
        if empty:
            raise ValueError(f"RAY_AUTH_TOKEN_PATH={path}: the token file is empty")


def connect(address: str, **init_options) -> None:
    """ray.init(address, ...) after check_auth; a refusal becomes a ConnectionError that says what to set."""
    import ray

    check_auth()
    try:
        ray.init(address=address, **init_options)
    except Exception as exc:  # noqa: BLE001 - ConnectionError, ray's AuthenticationError, a client timeout: all one answer
        cause = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        mode = os.environ.get("RAY_AUTH_MODE") or "unset"
        raise ConnectionError(f"the Ray cluster at {address} (LORA_LAB_RAY_ADDRESS) did not accept this app "
                              f"({cause[:200]}). If it requires a token, {HOW}; RAY_AUTH_MODE is {mode} here") from None
