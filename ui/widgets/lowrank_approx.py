"""Low-rank approximation: how much of a weight matrix the best rank-k matrix keeps.

The error curve comes from the SVD (engine/maths/lora.py lowrank_errors, Eckart-Young)
of a real weight of the shipped small model, or of a seeded random matrix when asked
or when that model is not there; the label always says which."""

from __future__ import annotations

import numpy as np
import pandas  # noqa: F401 - whole before any figure: see ui/__init__.py
import plotly.graph_objects as go
import streamlit as st

from engine import ROOT
from engine.content.figures import LowRankApproxParams
from engine.maths.lora import load_weight_matrix, lowrank_errors

MODEL = ROOT / "models" / "lora-lab-tiny" / "model.safetensors"


@st.cache_data(show_spinner=False)
def _curves(source: str, seed: int, max_rank: int) -> tuple[str, dict, dict | None]:
    """(label, errors of the shown matrix, errors of a same-shape random one or None)."""
    rng = np.random.default_rng(seed)
    note = ""
    if source == "model" and MODEL.exists():
        try:
            name, w = load_weight_matrix(MODEL)
        except (OSError, ValueError, KeyError) as err:  # a damaged file: say so, show random
            note = f" (could not read {MODEL.name}: {err})"
        else:
            ranks = range(0, min(max_rank, *w.shape) + 1)
            label = f"`{name}` {w.shape[0]}×{w.shape[1]} from models/lora-lab-tiny"
            return label, lowrank_errors(w, ranks), lowrank_errors(rng.standard_normal(w.shape), ranks)
    elif source == "model":
        note = " (the shipped model is not there yet)"
    w = rng.standard_normal((256, 256))
    label = f"a seeded random 256×256 Gaussian matrix, seed {seed}{note}"
    return label, lowrank_errors(w, range(0, min(max_rank, 256) + 1)), None


def render(params: LowRankApproxParams) -> None:
    key = f"lowrank_approx-{params.source}-{params.seed}-{params.max_rank}"
    label, errors, noise = _curves(params.source, params.seed, params.max_rank)
    st.markdown(f"Matrix: {label}")
    ranks = list(errors)
    k = st.slider("rank k", 1, ranks[-1], min(8, ranks[-1]), key=f"{key}-k") if ranks[-1] > 1 else 1
    st.metric("relative error ‖W − W_k‖ / ‖W‖", f"{errors[k]:.1%}",
              help="W_k is the truncated SVD: the best rank-k matrix (Eckart-Young)")
    fig = go.Figure(go.Scatter(x=ranks, y=[errors[r] for r in ranks], name="this matrix"))
    if noise is not None:
        fig.add_trace(go.Scatter(x=ranks, y=[noise[r] for r in ranks], name="random, same shape",
                                 line_dash="dash"))
    fig.add_vline(x=k, line_dash="dot")
    fig.update_layout(xaxis_title="rank k", yaxis_title="relative Frobenius error",
                      yaxis_range=[0, 1.02], height=320, margin=dict(t=20, b=40))
    st.plotly_chart(fig, key=f"{key}-chart")
