"""A lab run's predicted memory (engine/lab/footprint.py), which sizes its share of a GPU on Ray."""

from __future__ import annotations

from engine.jobs.worker import resolve
from engine.lab import footprint
from engine.lab.settings import LabSettings
from engine.maths.memory import GIB, TrainingSetup, estimate, load_config
from tests.conftest import ROOT


def test_the_shipped_model_needs_a_few_hundred_megabytes():
    predicted = footprint.predicted_bytes({"settings": LabSettings(), "method": "qlora"})
    setup = TrainingSetup(method="qlora", batch_size=16, seq_len=48, rank=16, precision="bf16",
                          target_modules=LabSettings().target_modules)
    assert predicted == estimate(load_config(str(ROOT / "models/lora-lab-tiny/config.json")), setup).total
    assert predicted < 1 * GIB  # most of it framework overhead


def test_settings_stored_as_json_give_the_same_figure():
    settings = LabSettings(rank=8)
    as_object = footprint.predicted_bytes({"settings": settings, "method": "lora"})
    assert footprint.predicted_bytes({"settings": settings.model_dump(), "method": "lora"}) == as_object


def test_unknown_needs_are_none():
    assert footprint.predicted_bytes({"settings": LabSettings(model="someone/unknown-model"), "method": "lora"}) is None
    assert footprint.predicted_bytes({"preset": "gpt2-125m"}) is None  # memory at scale: not a run_lab job


def test_its_name_is_what_the_queue_imports():
    assert resolve(footprint.NAME) is footprint.predicted_bytes
