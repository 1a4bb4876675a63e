"""Results of finished lab runs, side by side: figures, loss curves, memory, answers,
the code of the run and the trained adapter to download."""

from __future__ import annotations

import pandas  # noqa: F401 - whole before any figure: see ui/__init__.py
import plotly.graph_objects as go
import streamlit as st

from engine.lab import runs as lab_runs

MIB = 2**20  # bytes per MiB: memory is shown in MiB, as torch and nvidia-smi report it


def loss_figure(curves: dict[str, list[float]]) -> go.Figure:
    """Every method's training loss against step, overlaid."""
    figure = go.Figure([go.Scatter(x=list(range(1, len(c) + 1)), y=c, mode="lines", name=m) for m, c in curves.items()])
    figure.update_layout(title="Training loss", xaxis_title="step", yaxis_title="loss (cross-entropy, nats)", height=340)
    return figure


def memory_figure(results: dict[str, dict]) -> go.Figure:
    """Peak memory measured in the worker against the byte ledger, per method, in MiB."""
    methods = list(results)
    measured = [results[m]["peak_memory_bytes"] / MIB for m in methods]
    ledger = [lab_runs.ledger_total(results[m].get("ledger") or {}) / MIB for m in methods]
    figure = go.Figure([go.Bar(name="measured peak", x=methods, y=measured),
                        go.Bar(name="ledger: weights + gradients + optimizer", x=methods, y=ledger)])
    # a tiny model's tensors are far smaller than the process's own overhead: a log axis shows both
    positive = [v for v in measured + ledger if v > 0]
    log = bool(positive) and max(positive) / min(positive) > 30
    figure.update_layout(barmode="group", title="Memory", yaxis_title="MiB", height=340,
                         yaxis_type="log" if log else "linear")
    return figure


def show(results: dict[str, dict], *, key: str) -> None:
    st.header("Results")
    for line in lab_runs.early_stops(results):  # the stop rule: mean loss over one pass under stop_loss
        st.info(f"{line} (the mean over one pass through the data), so it needed no more steps.",
                icon=":material/flag:")
    st.dataframe(lab_runs.figure_rows(results), hide_index=True, height="content")  # every row, no inner scroll
    columns = st.columns(len(results))
    for column, (method, r) in zip(columns, results.items()):
        share = r["trainable_params"] / max(1, r["total_params"])
        column.metric(f"{method}: trainable share", f"{share:.2%}",
                      help=f"{r['trainable_params']:,} of {r['total_params']:,} parameters")
        column.metric(f"{method}: skill", f"{r['skill_after']:.0%}", f"{r['skill_after'] - r['skill_before']:+.0%}")
    left, right = st.columns(2)
    left.plotly_chart(loss_figure({m: r["loss_curve"] for m, r in results.items()}), key=f"{key}-loss")
    right.plotly_chart(memory_figure(results), key=f"{key}-memory")
    st.caption("Measured: on a GPU torch.cuda.max_memory_allocated; on the CPU the worker's peak RSS above "
               "its baseline. Ledger: bytes of weights, gradients and optimizer state, counted tensor by tensor.")
    st.markdown("**Answers to the held-back questions, before and after training**")
    st.dataframe(lab_runs.answer_rows(results), hide_index=True)
    for tab, (method, r) in zip(st.tabs([f"{m}: code and adapter" for m in results]), results.items()):
        with tab:
            st.code(r["code"], language="python")
            _download(method, r, key)


def _download(method: str, result: dict, key: str) -> None:
    if not result.get("adapter_dir"):
        st.caption("Full fine-tuning changes every weight, so there is no small adapter to download.")
        return
    try:
        data = lab_runs.adapter_zip(result["adapter_dir"])
    except FileNotFoundError as exc:
        st.warning(f"The {method} adapter cannot be downloaded: {exc}.")
        return
    st.download_button(f"Download the {method} adapter (.zip, {len(data) / 1e3:,.0f} kB)", data,
                       file_name=f"lora-lab-{method}-adapter.zip", mime="application/zip", key=f"{key}-dl-{method}")
    st.markdown("Unzip, then `PeftModel.from_pretrained(base_model, folder)` loads it.")
