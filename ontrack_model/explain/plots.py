"""Figures of what drives the model overall: importance bars, a grouped beeswarm, dependence plots."""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")  # headless: figures are only ever written to files

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

LOG_ODDS = "contribution to the score (log-odds)"


def importance_bar(importance: pd.DataFrame) -> Figure:
    """Horizontal bars of mean |SHAP| per group (the importance table), largest at the top."""
    table = importance.iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(table) + 1.5))
    ax.barh(table["group"], table["mean_abs_shap"], color="#1E88E5")
    for y, (value, share) in enumerate(zip(table["mean_abs_shap"], table["share"], strict=True)):
        ax.text(value, y, f" {share:.0%}", va="center", fontsize=8)
    ax.set_xlabel(f"mean |{LOG_ODDS}|")
    ax.set_title("What drives the score overall (share of total)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def grouped_beeswarm(grouped: pd.DataFrame, colour_values: pd.DataFrame, base_value: float) -> Figure:
    """Beeswarm of each row's summed SHAP value per group, coloured by the group's main measure."""
    import shap

    explanation = shap.Explanation(
        values=grouped.to_numpy(),
        base_values=np.full(len(grouped), base_value),
        data=colour_values.to_numpy(dtype=float),
        feature_names=list(grouped.columns),
    )
    fig = plt.figure()
    shap.plots.beeswarm(
        explanation,
        max_display=len(grouped.columns),
        show=False,
        color_bar_label="value of the area's main measure",
        group_remaining_features=False,
    )
    fig = plt.gcf()
    plt.gca().set_xlabel(LOG_ODDS)
    fig.tight_layout()
    return fig


def dependence(values: np.ndarray, contributions: np.ndarray, label: str, title: str) -> Figure:
    """How one feature's value moves the score: value on x, its SHAP value on y (missing as grey ticks)."""
    import shap

    explanation = shap.Explanation(
        values=contributions.reshape(-1, 1), data=values.reshape(-1, 1), feature_names=[label]
    )
    fig, ax = plt.subplots(figsize=(7, 5))
    shap.plots.scatter(explanation[:, 0], ax=ax, show=False, ylabel=LOG_ODDS)
    ax.set_xlabel("\n".join(textwrap.wrap(label, 60)))
    ax.set_ylabel(LOG_ODDS)  # shap labels the axis with the feature name again; keep it short
    ax.set_title(title)
    fig.tight_layout()
    return fig
