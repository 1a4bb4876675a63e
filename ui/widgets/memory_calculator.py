"""Memory calculator: a model preset, a method and a batch shape in; a stacked bar of
training memory out, and which common GPUs it fits on, with the margin.

Maths in engine/maths/memory.py (HF "model training anatomy"; Korthikanti et al. 2022 §4.1;
QLoRA §3). numpy and pydantic only: no torch on this path."""

from __future__ import annotations

import hashlib

import pandas  # noqa: F401 - whole before any figure: see ui/__init__.py
import plotly.graph_objects as go
import streamlit as st

from engine.content.figures import MemoryCalculatorParams
from engine.maths import memory

METHODS = ("full", "lora", "qlora")
OPTIMIZERS = ("adamw", "adamw8bit", "paged_adamw8bit", "paged_adamw")
# One colour per component: blues = base weights, reds = full gradients/optimizer,
# purples = the LoRA adapter, greens = activations, grey = overhead.
COLORS = {"weights": "#1f4e79", "quant_constants": "#5b9bd5", "master_weights": "#9dc3e6", "gradients": "#c00000",
          "optimizer": "#ff9999", "adapter_weights": "#7030a0", "adapter_gradients": "#b4a7d6",
          "adapter_optimizer": "#e0d0f0", "activations": "#2e8b57", "logits": "#a6d96a", "overhead": "#999999"}


def _key(params: MemoryCalculatorParams) -> str:
    return "memory_calculator-" + hashlib.sha1(params.model_dump_json().encode()).hexdigest()[:8]


def _inputs(params: MemoryCalculatorParams, key: str, full: bool) -> tuple[str, dict]:
    presets = memory.preset_names()
    c1, c2, c3, c4 = st.columns(4)
    preset = c1.selectbox("model", presets, index=presets.index(params.preset), key=f"{key}-preset")
    method = c2.radio("method", METHODS, index=METHODS.index(params.method), horizontal=True, key=f"{key}-method")
    batch = c3.number_input("batch size", 1, 1024, params.batch_size, key=f"{key}-batch")
    seq = c4.number_input("sequence length", 1, 131072, params.seq_len, step=128, key=f"{key}-seq")
    fields = {"method": method, "batch_size": int(batch), "seq_len": int(seq), "rank": params.rank,
              "grad_checkpointing": params.grad_checkpointing}
    if full:
        d1, d2, d3, d4 = st.columns(4)
        fields["rank"] = int(d1.number_input("LoRA rank r", 1, 4096, params.rank, key=f"{key}-rank"))
        fields["optimizer"] = d2.selectbox("optimizer", OPTIMIZERS, key=f"{key}-opt")
        fields["precision"] = d3.selectbox("precision", ("mixed", "bf16", "fp32"), key=f"{key}-prec")
        fields["grad_checkpointing"] = d4.checkbox("gradient checkpointing", params.grad_checkpointing, key=f"{key}-gc")
    return preset, fields


def _chart(results: dict[str, memory.MemoryBreakdown], chosen: str, key: str) -> None:
    names = list(dict.fromkeys(n for b in results.values() for n in b.components))
    fig = go.Figure()
    for name in names:
        fig.add_bar(name=name.replace("_", " "), x=list(results), marker_color=COLORS.get(name),
                    y=[b.components.get(name, 0) / memory.GIB for b in results.values()])
    top = max(b.total for b in results.values()) / memory.GIB
    for gib in memory.GPU_SIZES_GIB:
        if gib <= top * 1.15:
            fig.add_hline(y=gib, line_dash="dot", line_color="gray", annotation_text=f"{gib} GB")
    fig.update_layout(barmode="stack", legend_traceorder="reversed", yaxis_title="GiB on the GPU", height=380,
                      margin=dict(t=20, b=40), xaxis_title=f"method (chosen: {chosen})")
    st.plotly_chart(fig, key=f"{key}-chart")


def _fits(breakdown: memory.MemoryBreakdown) -> None:
    lines = []
    for row in breakdown.gpu_table():
        mark, word = ("✅", "spare") if row["fits"] else ("❌", "short")
        lines.append(f"{mark} **{row['gpu_gib']} GB**: {abs(row['margin_gib']):.1f} GiB {word}")
    st.markdown(" · ".join(lines))


def render(params: MemoryCalculatorParams, key: str | None = None, full: bool = False) -> None:
    key = key or _key(params)
    preset, fields = _inputs(params, key, full)
    try:
        config = memory.load_config(preset)
        results = {m: memory.estimate(config, memory.TrainingSetup(**{**fields, "method": m})) for m in METHODS}
    except ValueError as exc:  # pydantic's ValidationError is a ValueError too
        st.error(f"Can't estimate {preset}: {exc}")
        return
    chosen = results[fields["method"]]
    c1, c2, c3 = st.columns(3)
    c1.metric(f"{fields['method']}: total on the GPU", f"{chosen.total / memory.GIB:,.2f} GiB")
    c2.metric("trainable parameters", f"{chosen.n_trainable:,}", help=f"of {chosen.n_params:,} in the model")
    c3.metric("paged to CPU", f"{chosen.offloaded_total / memory.GIB:,.2f} GiB",
              help="a paged optimizer keeps its state in unified memory, off the GPU")
    _chart(results, fields["method"], key)
    _fits(chosen)
    st.caption("Weights, gradients and AdamW state after HF's *model training anatomy*; activations after "
               "Korthikanti et al. 2022 §4.1, adapted to SDPA and SwiGLU; the 4-bit base at QLoRA's 4.127 bits/param. "
               "Includes 0.5 GiB framework overhead. 1 GB on a GPU's box = 1 GiB here.")
