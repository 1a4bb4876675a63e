"""The lab's warm-up: what the job queue's warm template runs once (engine/jobs/template.py), so
that every lab run forked from it starts at its first step instead of at `import torch`.

    prepare():  import torch, transformers, peft, bitsandbytes (5-6 s of a cold start on 2 CPU cores)
                run finetune.preload for each method (a 1-layer model: code paths and kernels set up)
                load the lab's model (LORA_LAB_MODEL, else the shipped one) as each method loads it,
                its tokenizer too, then drop it: every lazy import on the way is done, the files are
                in the page cache, and a run reloads it in about 0.1 s
                build memory at scale's toy model once (engine/maths/memory_step.py)

Why drop the model rather than keep it: run_lab measures its own peak memory from before it
loads the model, as a fresh process would (engine/lab/measure.py); a model already in memory
would vanish from that figure. The template must stay single-threaded (the jobs package checks
it), so progress bars, whose tqdm monitor is a thread, are off while it runs, and nothing here
touches a GPU (each run's own process opens its CUDA context).
"""

from __future__ import annotations

import logging

NAME = "engine.lab.warmup:prepare"  # what the pages hand the job queue
log = logging.getLogger(__name__)


def prepare() -> dict:
    """Import and load what lab runs need, on the CPU, in one thread; returns what was done."""
    import bitsandbytes  # noqa: F401
    import peft  # noqa: F401
    import peft.tuners.lora.bnb  # noqa: F401
    import torch  # noqa: F401
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    from engine.lab import finetune
    from engine.lab.settings import LabSettings

    done: dict = {"preloaded": []}
    for method in ("full", "lora", "qlora"):
        finetune.preload(method)
        done["preloaded"].append(method)
    hf_logging.disable_progress_bar()
    try:
        model_id = finetune.resolve_model(LabSettings().model)
        AutoTokenizer.from_pretrained(model_id)
        for method in ("full", "lora", "qlora"):
            finetune.load_model(model_id, method, "cpu")
        done["model"] = model_id
    except (OSError, ValueError, RuntimeError) as exc:  # a hub id not cached, say: runs load it themselves
        log.warning("lab warm-up: the model was not loaded ahead (%s); runs load it themselves", exc)
    finally:
        hf_logging.enable_progress_bar()
    _memory_scale_toy()
    return done


def _memory_scale_toy() -> None:
    """Memory at scale's measuring children start from a fork of a run (engine/maths/memory_measure.py):
    build its toy GPT-2 once here, so that family's modules are imported in every fork too."""
    from engine.maths import memory, memory_step
    from engine.lab.memory_scale import DEFAULT_PRESET

    config = memory_step.toy_config(memory.load_config(DEFAULT_PRESET))
    setup = memory.TrainingSetup(method="qlora", batch_size=1, seq_len=16, rank=2, precision="fp32", optimizer="adamw")
    memory_step.build_model(config, setup.model_dump(), "cpu")
