"""Ray's token authentication (engine/jobs/ray_auth.py): settings that cannot work are refused at
once, in words; a cluster that refuses the app is a ConnectionError naming what to set; and the
test head (tests/ray.sh, like the README's class setup) really refuses a client without its token."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from engine.jobs import ray_auth
from tests.conftest import ROOT
from tests.raycluster import ray_address


def test_no_token_settings_is_fine():
    ray_auth.check_auth({})
    ray_auth.check_auth({"RAY_AUTH_MODE": "disabled"})


def test_a_token_without_the_mode_is_refused():
    """Ray ignores a token when RAY_AUTH_MODE is not 'token' and an explicit address is given."""
    with pytest.raises(ValueError, match="RAY_AUTH_TOKEN_PATH set, but RAY_AUTH_MODE is unset, not 'token'"):
        ray_auth.check_auth({"RAY_AUTH_TOKEN_PATH": "/somewhere/token"})
    with pytest.raises(ValueError, match="RAY_AUTH_TOKEN set, but RAY_AUTH_MODE is disabled"):
        ray_auth.check_auth({"RAY_AUTH_TOKEN": "abc", "RAY_AUTH_MODE": "disabled"})


def test_a_token_file_ray_would_abort_on_is_refused(tmp_path):
    """Ray aborts the whole process on an unreadable or empty RAY_AUTH_TOKEN_PATH: here, a ValueError."""
    with pytest.raises(ValueError, match=rf"RAY_AUTH_TOKEN_PATH={tmp_path}/missing: cannot read the token file"):
        ray_auth.check_auth({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(tmp_path / "missing")})
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(ValueError, match="the token file is empty"):
        ray_auth.check_auth({"RAY_AUTH_MODE": "Token", "RAY_AUTH_TOKEN_PATH": str(tmp_path / "empty")})
    (tmp_path / "token").write_text("f" * 64)
    ray_auth.check_auth({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(tmp_path / "token")})


def test_a_refused_connection_says_what_to_set(monkeypatch):
    import ray

    def refuse(**_):
        raise ConnectionError("Failed to connect to Ray cluster at 10.0.0.5:6379")

    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    monkeypatch.delenv("RAY_AUTH_TOKEN_PATH", raising=False)
    monkeypatch.delenv("RAY_AUTH_TOKEN", raising=False)
    monkeypatch.setattr(ray, "init", refuse)
    with pytest.raises(ConnectionError) as caught:
        ray_auth.connect("ray://gpu-server:10001", namespace="x")
    message = str(caught.value)
    assert "the Ray cluster at ray://gpu-server:10001 (LORA_LAB_RAY_ADDRESS) did not accept this app" in message
    assert "Failed to connect to Ray cluster" in message and "RAY_AUTH_MODE=token" in message
    assert "RAY_AUTH_TOKEN_PATH" in message and "RAY_AUTH_MODE is unset here" in message


@pytest.mark.slow
def test_the_test_head_refuses_a_client_without_its_token(tmp_path):
    """The class setup's head (tests/ray.sh) requires the token: without it, RayRunner fails in words."""
    address = ray_address()
    assert os.environ.get("RAY_AUTH_MODE") == "token" and os.path.isfile(os.environ["RAY_AUTH_TOKEN_PATH"])
    code = ("from engine.jobs.ray_backend import RayRunner\n"
            f"try:\n    RayRunner({address!r}, 'sqlite:///{tmp_path}/progress.db')\n"
            "except ConnectionError as exc:\n    print('REFUSED', exc)\nelse:\n    print('CONNECTED')\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_AUTH")} | {"HOME": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=180, check=False)
    assert "REFUSED" in run.stdout, run.stdout + run.stderr[-2000:]
    assert "did not accept this app" in run.stdout and "RAY_AUTH_MODE is unset here" in run.stdout
