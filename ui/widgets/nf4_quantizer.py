"""NF4 quantizer: a block of weights, the 16 NF4 levels scaled by its absmax, and
the round-trip error of NF4 against uniform int4 on the same block.

Maths in engine/maths/nf4.py (QLoRA §3; bit-exact with bitsandbytes, see its tests)."""

from __future__ import annotations

import numpy as np
import pandas  # noqa: F401 - whole before any figure: see ui/__init__.py
import plotly.graph_objects as go
import streamlit as st

from engine.content.figures import NF4QuantizerParams
from engine.maths.nf4 import bits_per_param, compare_nf4_int4


def render(params: NF4QuantizerParams) -> None:
    key = f"nf4_quantizer-{params.blocksize}-{params.seed}"
    left, right = st.columns(2)
    seed = left.number_input("block (random seed)", 0, 10**6, min(params.seed, 10**6), key=f"{key}-seed")
    outlier = right.toggle("add one outlier (×8)", key=f"{key}-outlier",
                           help="one large weight sets absmax, squeezing the rest onto fewer levels")
    block = np.random.default_rng(int(seed)).normal(0.0, 0.02, params.blocksize).astype(np.float32)
    if outlier:
        block[0] = 8 * np.abs(block).max()
    st.caption(f"{params.blocksize} weights drawn from N(0, 0.02²): trained weights are roughly "
               "normal, which is why NF4 spaces its levels at normal quantiles (QLoRA §3).")
    r = compare_nf4_int4(block)

    fig = go.Figure(go.Histogram(x=block, nbinsx=40, name="weights"))
    for level in r["levels"]:
        fig.add_vline(x=float(level), line_width=1, line_color="crimson")
    fig.update_layout(xaxis_title="weight value (red: the 16 NF4 levels × absmax)", yaxis_title="count",
                      height=300, margin=dict(t=20, b=40), showlegend=False)
    st.plotly_chart(fig, key=f"{key}-chart")

    rows = [{"format": name, **{k: f"{v:.2e}" for k, v in r[f"{fmt}_err"].items()}}
            for name, fmt in (("NF4", "nf4"), ("int4 absmax (−7 … 7)", "int4"))]
    st.dataframe(rows, hide_index=True, column_config={"mae": "mean |error|", "rmse": "RMS error",
                                                        "max": "max |error|"})
    st.caption(f"Storage: {bits_per_param(64):.3f} bits per weight with one fp32 absmax per 64; "
               f"{bits_per_param(64, double_quant=True):.3f} with double quantization.")
