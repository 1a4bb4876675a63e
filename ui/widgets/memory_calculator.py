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
LABEL_GAP = 0.06  # share of the y axis between two GPU-size labels, so that 12 px text does not overlap
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


def gpu_lines(top: float) -> list[tuple[int, str | None]]:
    """(GPU size in GiB, its label or None) for the sizes up to 1.15 × `top` GiB, largest first. A
    label is kept only LABEL_GAP of the axis below the last one, so labels never stack into one blur
    when a large model sets the scale (65B full fine-tuning: 8 to 48 GB all sit near zero); every
    line stays, and the largest size is always named."""
    lines, last = [], None
    for gib in sorted((g for g in memory.GPU_SIZES_GIB if g <= top * 1.15), reverse=True):
        labelled = last is None or last - gib >= LABEL_GAP * top * 1.15
        lines.append((gib, f"{gib} GB" if labelled else None))
        last = gib if labelled else last
    return lines


def _chart(results: dict[str, memory.MemoryBreakdown], preset: str, chosen: str, key: str) -> None:
    names = list(dict.fromkeys(n for b in results.values() for n in b.components))
    fig = go.Figure()
    for name in names:
        fig.add_bar(name=name.replace("_", " "), x=list(results), marker_color=COLORS.get(name),
                    y=[b.components.get(name, 0) / memory.GIB for b in results.values()])
    for gib, label in gpu_lines(max(b.total for b in results.values()) / memory.GIB):
        # no annotation_* argument at all for an unlabelled line: even None draws plotly's "new text"
        fig.add_hline(y=gib, line_dash="dot", line_color="gray", **({"annotation_text": label} if label else {}))
    fig.update_layout(barmode="stack", legend_traceorder="reversed", yaxis_title="GiB on the GPU", height=380,
                      margin=dict(t=40, b=40), title=f"{preset}: memory by method", xaxis_title=f"method (chosen: {chosen})")
    st.plotly_chart(fig, key=f"{key}-chart")


def _fits(breakdown: memory.MemoryBreakdown) -> None:
    lines = []
    for row in breakdown.gpu_table():
        mark, word = (":green[:material/check_circle:]", "spare") if row["fits"] else (":red[:material/cancel:]", "short")
        lines.append(f"{mark} **{row['gpu_gib']} GB**: {abs(row['margin_gib']):.1f} GiB {word}")
    st.markdown(" · ".join(lines))


def _context_warning(config: dict, preset: str, seq_len: int) -> None:
    """Say so when the sequence is longer than the model's context (config.json max_position_embeddings)."""
    context = config.get("max_position_embeddings") or config.get("n_positions")
    if isinstance(context, int) and seq_len > context:
        st.warning(f"{preset} reads at most {context:,} tokens at once (its max_position_embeddings); a sequence "
                   f"of {seq_len:,} is beyond it, so this estimate is for a run the model cannot do as it is.",
                   icon=":material/warning:")


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
    _context_warning(config, preset, fields["seq_len"])
    c1, c2, c3 = st.columns(3)
    c1.metric(f"{preset}, {fields['method']}: total on the GPU", f"{chosen.total / memory.GIB:,.2f} GiB")
    c2.metric("trainable parameters", f"{chosen.n_trainable:,}", help=f"of {chosen.n_params:,} in the model")
    c3.metric("paged to CPU", f"{chosen.offloaded_total / memory.GIB:,.2f} GiB",
              help="a paged optimizer keeps its state in unified memory, off the GPU")
    _chart(results, preset, fields["method"], key)
    _fits(chosen)
    st.caption("Weights, gradients and AdamW state after HF's *model training anatomy*; activations after "
               "Korthikanti et al. 2022 §4.1, adapted to SDPA and SwiGLU; the 4-bit base at QLoRA's 4.127 bits/param. "
               "Includes 0.5 GiB framework overhead. 1 GB on a GPU's box = 1 GiB here.")
