"""The Memory page (/memory): the full calculator, then predicted against measured."""

from __future__ import annotations

import pandas  # noqa: F401 - whole before any figure: see ui/__init__.py
import plotly.graph_objects as go
import streamlit as st

from engine.content.figures import MemoryCalculatorParams
from engine.maths.memory import GIB
from engine.maths.memory_measure import load_results
from ui.widgets import memory_calculator


def _measured_chart(data: dict) -> None:
    rows = data["rows"]
    labels = [f"{r['model']} · {r['method']} ({r['layers']} layers)" for r in rows]
    fig = go.Figure()
    fig.add_bar(name="predicted", x=labels, y=[r["predicted_peak"] / GIB for r in rows])
    fig.add_bar(name="measured", x=labels, y=[r["measured_peak"] / GIB for r in rows],
                text=[f"×{r['ratio_peak']:.2f}" for r in rows], textposition="outside")
    fig.update_layout(barmode="group", yaxis_title="peak GiB", height=400, margin=dict(t=20, b=40))
    st.plotly_chart(fig, key="memory-measured-chart")
    st.dataframe(
        [{"model": r["model"], "method": r["method"], "layers": r["layers"],
          "states predicted (GiB)": round(r["predicted_states"] / GIB, 3),
          "states measured (GiB)": round(r["measured_states"] / GIB, 3), "states ratio": round(r["ratio_states"], 3),
          "peak predicted (GiB)": round(r["predicted_peak"] / GIB, 3),
          "peak measured (GiB)": round(r["measured_peak"] / GIB, 3), "peak ratio": round(r["ratio_peak"], 3)}
         for r in rows],
        hide_index=True,
    )
    st.caption(data.get("how", ""))


def render() -> None:
    st.title("Training memory")
    st.markdown("Where every byte of a training step goes: weights, gradients, optimizer state, "
                "activations. Pick a model and a method; compare full fine-tuning, LoRA and QLoRA.")
    memory_calculator.render(MemoryCalculatorParams(), key="memory-page", full=True)
    st.divider()
    st.header("Predicted against measured")
    data = load_results()
    if data is None or not data["rows"]:
        st.info("No measurements yet. Run `python benchmarks/memory_measured.py` to create them.")
        st.stop()
    _measured_chart(data)
