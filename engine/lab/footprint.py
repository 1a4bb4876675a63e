"""What one lab run needs of a device: engine/maths/memory.py's peak for its model and settings.

The Ray backend (engine/jobs/ray_backend.py) asks the cluster for a share of a GPU sized by a
function it is given by name, "engine.lab.footprint:predicted_bytes", so the jobs package
reads no LoRA settings itself. A run of another kind (memory at scale) or a model whose
config.json is not on this machine gives None, and the backend falls back to its default.
"""

from __future__ import annotations

from pathlib import Path

from engine import ROOT

NAME = "engine.lab.footprint:predicted_bytes"  # what the pages hand the job queue


def predicted_bytes(kwargs: dict) -> int | None:
    """Peak bytes for a run_lab job's kwargs (settings, method) in bf16, or None when unknown."""
    from engine.maths.memory import TrainingSetup, estimate, load_config

    settings, method = kwargs.get("settings"), kwargs.get("method", "lora")
    if settings is None:
        return None
    get = settings.get if isinstance(settings, dict) else lambda key, default=None: getattr(settings, key, default)
    folder = Path(str(get("model", ""))).expanduser()
    config = folder / "config.json" if folder.is_absolute() else ROOT / folder / "config.json"
    try:
        setup = TrainingSetup(method=method, batch_size=get("batch_size", 1), seq_len=get("seq_len", 512),
                              rank=get("rank", 16), target_modules=list(get("target_modules") or []) or None,
                              precision="bf16")
        return estimate(load_config(str(config)), setup).total
    except (ValueError, TypeError):
        return None
