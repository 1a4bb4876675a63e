"""Rank explorer: one weight matrix, a rank slider, and what LoRA trains at that rank.

Maths in engine/maths/lora.py (LoRA paper §4.1: r·(d_in + d_out) parameters)."""

from __future__ import annotations

import hashlib

import pandas  # noqa: F401 - whole before any figure: see ui/__init__.py
import plotly.graph_objects as go
import streamlit as st

from engine.content.figures import RankExplorerParams
from engine.maths.lora import rank_summary


def _key(params: RankExplorerParams) -> str:
    return "rank_explorer-" + hashlib.sha1(params.model_dump_json().encode()).hexdigest()[:8]


def rank_options(top: int, default: int) -> list[int]:
    """Powers of two up to `top` (and the lesson's own rank): on a 1-1024 slider ranks 1 to 16 were
    a few pixels apart and could not be picked."""
    return sorted({2**i for i in range(11) if 2**i <= top} | ({default} if default <= top else set()))


def _rank(params: RankExplorerParams, key: str, *, top: int) -> int:
    """The rank slider. The learner's pick is kept in `{key}-rank-wanted`: a new d_in or d_out changes
    the options, which makes a new slider; it starts at the pick (or the largest rank that still fits)
    instead of going back to the lesson's default."""
    options = rank_options(top, params.rank)
    if len(options) == 1:
        return options[0]
    wanted = st.session_state.get(f"{key}-rank-wanted", params.rank)
    start = max([o for o in options if o <= wanted] or options[:1])
    slider = f"{key}-rank-{options[-1]}"  # one slider per set of options
    return st.select_slider("rank r", options, value=start, key=slider, on_change=lambda: st.session_state.update(
        {f"{key}-rank-wanted": st.session_state[slider]}))


def render(params: RankExplorerParams) -> None:
    key = _key(params)
    left, right = st.columns(2)
    d_in = left.number_input("d_in (input features)", 1, 65536, params.d_in, key=f"{key}-din")
    d_out = right.number_input("d_out (output features)", 1, 65536, params.d_out, key=f"{key}-dout")
    top = min(int(d_in), int(d_out), 1024)
    rank = _rank(params, key, top=top)
    s = rank_summary(int(d_in), int(d_out), int(rank))

    c1, c2, c3 = st.columns(3)
    c1.metric("LoRA parameters", f"{s['lora_params']:,}", help="A is r×d_in, B is d_out×r")
    c2.metric("share of full fine-tuning", f"{s['share']:.3%}", help=f"full: {s['full_params']:,} parameters")
    c3.metric("adapter size (fp32)", f"{s['bytes_fp32'] / 1e6:,.2f} MB",
              help=f"bf16: {s['bytes_bf16'] / 1e6:,.2f} MB; 1 MB = 10⁶ bytes; tensors only")

    ranks = sorted({2**i for i in range(11) if 2**i <= top} | {rank})
    shares = [rank_summary(int(d_in), int(d_out), r)["share"] * 100 for r in ranks]
    fig = go.Figure(go.Scatter(x=ranks, y=shares, mode="lines+markers", name="LoRA"))
    fig.add_trace(go.Scatter(x=[rank], y=[s["share"] * 100], mode="markers", marker_size=14, name=f"r = {rank}"))
    fig.update_layout(xaxis_title="rank r", yaxis_title="% of full fine-tuning parameters",
                      xaxis_type="log", height=320, margin=dict(t=20, b=40))
    st.plotly_chart(fig, key=f"{key}-chart")
