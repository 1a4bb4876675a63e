"""benchmarks/gpu_check.sh, the prepared GPU check: its syntax, and a clean refusal on a machine
where torch has no CUDA device (every CI machine), before it runs anything."""

from __future__ import annotations

import subprocess

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "benchmarks" / "gpu_check.sh"


def test_the_script_parses():
    assert subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True).returncode == 0


def test_without_cuda_it_refuses_in_one_line_and_runs_nothing(tmp_path):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a CUDA device: the check would run for real")
    out = subprocess.run(["bash", str(SCRIPT)], capture_output=True, text=True, timeout=120, cwd=tmp_path,
                         env={"PATH": "/usr/bin:/bin", "GPU_CHECK_OUT": str(tmp_path / "out"),
                              "PYTHON": str(ROOT / ".venv" / "bin" / "python")})
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.startswith("gpu_check: refused: torch ") and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing ran, nothing was written


def test_an_unknown_option_is_refused():
    out = subprocess.run(["bash", str(SCRIPT), "--fast"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "unknown argument '--fast' (expected --quick)" in out.stderr
