"""What the README tells someone setting LoRA Lab up elsewhere: how to get torch's CPU build, and a
Ray class setup that requires a token (issue 20). The commands it shows match what the project
pins and what its own test head does."""

from __future__ import annotations

import re

from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, re.DOTALL)


def test_the_cpu_wheel_index_is_given_for_the_pinned_torch():
    pinned = re.search(r"^torch==([\d.]+)$", (ROOT / "requirements.txt").read_text(encoding="utf-8"), re.MULTILINE)
    assert pinned, "requirements.txt pins torch"
    want = f"pip install torch=={pinned.group(1)} --index-url https://download.pytorch.org/whl/cpu"
    assert any(want in block for block in blocks())
    assert "so pip installs the CPU build" not in README  # true only where pip's configuration says so


def test_the_class_setup_uses_ray_token_authentication():
    commands = " ".join(blocks())
    assert "ray get-auth-token --generate" in commands
    assert re.search(r"RAY_AUTH_MODE=token \.venv/bin/ray start --head", commands)
    assert re.search(r"RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH=\S+ .*LORA_LAB_RAY_ADDRESS=ray://", commands, re.DOTALL)
    assert "RAY_AUTH_MODE=token .venv/bin/ray start --address=" in README
    assert "accept any client without a password" not in README
    ray_sh = (ROOT / "tests" / "ray.sh").read_text(encoding="utf-8")
    assert "RAY_AUTH_MODE=token RAY_AUTH_TOKEN_PATH=" in ray_sh and "ray start --head" in ray_sh
