"""Matplotlib figures of SCORE-15 change: family trajectories per score, and paired first/latest scores.

Figures are built on `matplotlib.figure.Figure` (Agg canvas), never pyplot, so a web server can draw
them from several threads without a display or global state.
"""

from __future__ import annotations

import base64
import io

import pandas as pd
from matplotlib.figure import Figure

from ontrack_model.score15.config import DIMENSION_NAMES, SCORES

_IMPROVED, _WORSE, _SAME = "#1b7837", "#b2182b", "#7f7f7f"


def _title(score: str) -> str:
    return DIMENSION_NAMES[score] if score == "total" else f"Dimension {score[-1]}: {DIMENSION_NAMES[score]}"


def family_sessions(scores: pd.DataFrame) -> pd.DataFrame:
    """Family mean score on each date anyone in the family completed SCORE-15, with months since the first."""
    sessions = scores.groupby(["family_id", "date"])[list(SCORES)].mean().reset_index()
    first = sessions.groupby("family_id")["date"].transform("min")
    sessions["months"] = (sessions["date"] - first).dt.days / 30.44  # mean month length
    return sessions


def trajectory_figure(scores: pd.DataFrame) -> Figure:
    """Each family's mean score over time, one panel per dimension and the total."""
    sessions = family_sessions(scores)
    fig = Figure(figsize=(10, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, sharey=True)
    for ax, score in zip(axes.flat, SCORES, strict=True):
        for _, fam in sessions.groupby("family_id"):
            fam = fam.dropna(subset=[score])
            ax.plot(fam["months"], fam[score], marker="o", linewidth=1, alpha=0.6)
        ax.set_title(_title(score), fontsize=10)
        ax.set_ylim(1, 5)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("Months since the family's first administration")
    for ax in axes[:, 0]:
        ax.set_ylabel("Score (1-5, higher = more difficulties)")
    fig.suptitle("SCORE-15: family mean score at each administration")
    return fig


def paired_figure(families: pd.DataFrame) -> Figure:
    """First and latest family score joined by a line: green fell (improved), red rose, grey unchanged."""
    fig = Figure(figsize=(10, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharey=True)
    for ax, score in zip(axes.flat, SCORES, strict=True):
        done = families.dropna(subset=[f"{score}_change"])
        for _, fam in done.iterrows():
            change = fam[f"{score}_change"]
            colour = _IMPROVED if change < 0 else _WORSE if change > 0 else _SAME
            ax.plot([0, 1], [fam[f"{score}_first"], fam[f"{score}_latest"]], marker="o", color=colour, alpha=0.7)
        ax.set_xticks([0, 1], ["first", "latest"])
        ax.set_xlim(-0.3, 1.3)
        ax.set_ylim(1, 5)
        fell = int((done[f"{score}_change"] < 0).sum())
        ax.set_title(f"{_title(score)}\n{fell} of {len(done)} families fell (improved)", fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel("Score (1-5, higher = more difficulties)")
    fig.suptitle("SCORE-15: first and latest family score")
    return fig


def png_base64(fig: Figure) -> str:
    """The figure as a base64 PNG, for embedding in a self-contained HTML page."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")
