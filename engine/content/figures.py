"""The registry of interactive figures a lesson's `figure` section may name.

A figure is data here (its name and the parameters an author may set) and
behaviour in `ui/widgets/<name>.py` (a `render(params)` function). The lesson
schema checks a section's `name` against `FIGURES` and its `params` against the
model registered for that name, so an unknown widget or a mistyped parameter is
a validation error with file:line:col, before anything renders.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Rank explorer: parameters of one LoRA-adapted weight matrix against full fine-tuning.
class RankExplorerParams(_Params):
    d_in: int = Field(4096, ge=1, le=65536)
    d_out: int = Field(4096, ge=1, le=65536)
    rank: int = Field(8, ge=1, le=1024)


# Low-rank approximation: reconstruction error of a real weight matrix against rank.
class LowRankApproxParams(_Params):
    # "model": a weight matrix of the shipped small model; "random": a seeded random matrix.
    source: Literal["model", "random"] = "model"
    max_rank: int = Field(64, ge=1, le=512)
    seed: int = Field(0, ge=0)


# NF4 quantizer: one block of weights, the 16 NF4 levels, and the error against int4.
class NF4QuantizerParams(_Params):
    blocksize: int = Field(64, ge=16, le=4096)
    seed: int = Field(0, ge=0)


# Memory calculator: a preset model, a method and a batch shape; a stacked bar of bytes.
class MemoryCalculatorParams(_Params):
    # A preset name from engine/maths/presets/ (e.g. "llama-7b", "qwen2.5-0.5b").
    preset: str = Field("llama-7b", min_length=1)
    method: Literal["full", "lora", "qlora"] = "qlora"
    batch_size: int = Field(1, ge=1, le=1024)
    seq_len: int = Field(512, ge=1, le=131072)
    # LoRA rank r, and whether activations are recomputed (gradient checkpointing).
    rank: int = Field(16, ge=1, le=4096)
    grad_checkpointing: bool = False

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        from engine.maths.memory import preset_names  # numpy + pydantic only

        if value not in preset_names():
            raise ValueError(f"unknown preset {value!r}; choose from {', '.join(preset_names())}")
        return value


# name -> the pydantic model of its parameters. ui/widgets/<name>.py renders each one.
FIGURES: dict[str, type[_Params]] = {
    "rank_explorer": RankExplorerParams,
    "lowrank_approx": LowRankApproxParams,
    "nf4_quantizer": NF4QuantizerParams,
    "memory_calculator": MemoryCalculatorParams,
}
