"""The report's figures as PNG bytes (matplotlib's object API: no global state, no display needed)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of a figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def data_uri(png: bytes) -> str:
    """A `data:` URI embedding PNG bytes, so the report loads no external file."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def precision_recall_plot(curve: pd.DataFrame, capacity: int) -> bytes:
    """Precision and recall at k (published rows only), with the team's capacity marked."""
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    shown = curve.dropna(subset=["precision", "recall"])
    ax.plot(shown["k"], shown["precision"], marker="o", label="precision at k")
    ax.plot(shown["k"], shown["recall"], marker="s", linestyle="--", label="recall at k")
    ax.axvline(capacity, color="0.3", linestyle=":", label=f"capacity k = {capacity}")
    ax.set_xlabel("k (families on the list)")
    ax.set_ylabel("share")
    ax.set_ylim(0, 1)
    ax.set_title("Precision and recall of the list at k")
    ax.legend(loc="best")
    return figure_png(fig)


def calibration_plot(table: pd.DataFrame, ece: float) -> bytes:
    """Observed rate against mean predicted probability per bin (published bins), with the diagonal."""
    fig = Figure(figsize=(5, 5))
    ax = fig.subplots()
    shown = table.dropna(subset=["observed_rate"])
    top = float(np.nanmax([table["mean_predicted"].max(), shown["observed_rate"].max(), 0.01]))
    ax.plot([0, top], [0, top], color="0.6", linestyle="--", label="perfect calibration")
    ax.plot(shown["mean_predicted"], shown["observed_rate"], marker="o", label="model")
    ax.set_xlabel("mean predicted probability (bin)")
    ax.set_ylabel("observed rate (bin)")
    ax.set_title(f"Calibration (ECE = {ece:.3f})")
    ax.legend(loc="upper left")
    return figure_png(fig)
