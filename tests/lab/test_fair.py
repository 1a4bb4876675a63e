"""Fair turns (engine/lab/fair.py) and the GPU share a Ray job asks for (engine/lab/ray_backend.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from engine.lab.fair import fair_order, max_queued_from_env


@dataclass
class Job:
    id: str
    owner: str
    submitted_at: float


def test_learners_take_turns_instead_of_submission_order():
    queued = [Job("a1", "A", 1), Job("a2", "A", 2), Job("a3", "A", 3), Job("b1", "B", 4), Job("c1", "C", 5)]
    assert [j.id for j in fair_order(queued)] == ["a1", "b1", "c1", "a2", "a3"]


def test_the_learner_served_longest_ago_goes_first_in_a_round():
    queued = [Job("a2", "A", 1), Job("a3", "A", 2), Job("b1", "B", 3), Job("c1", "C", 4)]
    assert [j.id for j in fair_order(queued, {"A": 10.0})] == ["b1", "c1", "a2", "a3"]  # A just had a turn
    assert [j.id for j in fair_order(queued, {"A": 10.0, "B": 20.0, "C": 5.0})] == ["c1", "a2", "b1", "a3"]


def test_the_cap_comes_from_the_environment_with_a_clear_error(monkeypatch):
    monkeypatch.delenv("LORA_LAB_MAX_QUEUED", raising=False)
    assert max_queued_from_env() == 3
    monkeypatch.setenv("LORA_LAB_MAX_QUEUED", "lots")
    with pytest.raises(ValueError, match="LORA_LAB_MAX_QUEUED must be a whole number from 1 to 100, not 'lots'"):
        max_queued_from_env()


def test_a_tiny_model_run_asks_for_a_small_share_of_a_big_gpu():
    pytest.importorskip("ray")
    from engine.lab.ray_backend import GIB, gpu_fraction, predicted_bytes
    from engine.lab.settings import LabSettings

    settings = LabSettings()  # the shipped models/lora-lab-tiny
    predicted = predicted_bytes({"settings": settings, "method": "qlora"})
    assert predicted is not None and predicted < 1 * GIB  # a few hundred MB, most of it framework overhead
    share = gpu_fraction({"settings": settings, "method": "qlora"}, 141 * GIB)  # an H200
    assert share == pytest.approx(0.01)  # 572 MiB × 1.25 of 141 GiB, rounded up to 1/100
    assert int(1 / share) >= 20  # dozens side by side
    hub = gpu_fraction({"settings": LabSettings(model="someone/unknown-model"), "method": "lora"}, 141 * GIB)
    assert hub == pytest.approx(0.04)  # the 4 GiB fallback with its margin: 5 GiB of 141


def test_an_absent_ray_head_is_a_quick_clear_error():
    pytest.importorskip("ray")
    import socket
    import time

    from engine.lab.ray_backend import check_reachable

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(ConnectionError, match=rf"no Ray head answers at ray://127.0.0.1:{port}"):
        check_reachable(f"ray://127.0.0.1:{port}")
    assert time.monotonic() - start < 5
    with pytest.raises(ValueError, match="LORA_LAB_RAY_ADDRESS must be ray://HOST:PORT, HOST:PORT or auto"):
        check_reachable("somewhere")
