"""Matplotlib figures of SCORE-15 change: family trajectories per score, and paired first/latest scores.

Figures are built on `matplotlib.figure.Figure` (Agg canvas), never pyplot, so a web server can draw
them from several threads without a display or global state. Lines go in one `LineCollection` per
panel: a Line2D per family takes minutes for a thousand families.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from ontrack_model.score15.config import DIMENSION_NAMES, SCORES

_IMPROVED, _WORSE, _SAME = "#1b7837", "#b2182b", "#7f7f7f"
_Y_LABEL = "Score (1-5, higher = more difficulties)"


def _title(score: str) -> str:
    return DIMENSION_NAMES[score] if score == "total" else f"Dimension {score[-1]}: {DIMENSION_NAMES[score]}"


def family_sessions(scores: pd.DataFrame) -> pd.DataFrame:
    """Family mean score on each date anyone in the family completed SCORE-15, with months since the first."""
    sessions = scores.groupby(["family_id", "date"])[list(SCORES)].mean().reset_index()
    first = sessions.groupby("family_id")["date"].transform("min")
    sessions["months"] = (sessions["date"] - first).dt.days / 30.44  # mean month length
    return sessions


def _per_family(points: pd.DataFrame, score: str) -> list[np.ndarray]:
    """(months, score) arrays, one per family; numpy split, as per-group pandas indexing is slow."""
    ordered = points.sort_values(["family_id", "months"], kind="stable")
    ids = ordered["family_id"].to_numpy()
    cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    return np.split(ordered[["months", score]].to_numpy(dtype=float), cuts) if len(ordered) else []


def trajectory_figure(scores: pd.DataFrame) -> Figure:
    """Each family's mean score over time, one panel per dimension and the total."""
    sessions = family_sessions(scores)
    palette = colormaps["tab10"].colors
    fig = Figure(figsize=(10, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharex=True, sharey=True)
    right = max(1.0, float(sessions["months"].max())) if len(sessions) else 1.0
    for ax, score in zip(axes.flat, SCORES, strict=True):
        points = sessions.dropna(subset=[score])
        lines = _per_family(points, score)
        colours = [palette[i % len(palette)] for i in range(len(lines))]
        ax.add_collection(LineCollection(lines, colors=colours, linewidths=1, alpha=0.6))
        ax.scatter(points["months"], points[score], s=12, color="#444444", alpha=0.5, zorder=3)
        ax.set_xlim(-0.5, right + 0.5)
        ax.set_ylim(1, 5)
        ax.set_title(_title(score), fontsize=10)
        ax.grid(alpha=0.3)
    for ax in axes[1]:
        ax.set_xlabel("Months since the family's first administration")
    for ax in axes[:, 0]:
        ax.set_ylabel(_Y_LABEL)
    fig.suptitle("SCORE-15: family mean score at each administration")
    return fig


def paired_figure(families: pd.DataFrame) -> Figure:
    """First and latest family score joined by a line: green fell (improved), red rose, grey unchanged."""
    fig = Figure(figsize=(10, 7.5), layout="constrained")
    axes = fig.subplots(2, 2, sharey=True)
    for ax, score in zip(axes.flat, SCORES, strict=True):
        done = families.dropna(subset=[f"{score}_change"])
        change = done[f"{score}_change"].to_numpy(dtype=float)
        first = done[f"{score}_first"].to_numpy(dtype=float)
        latest = done[f"{score}_latest"].to_numpy(dtype=float)
        colours = np.where(change < 0, _IMPROVED, np.where(change > 0, _WORSE, _SAME)).tolist()
        segments = [[(0.0, a), (1.0, b)] for a, b in zip(first, latest, strict=True)]
        ax.add_collection(LineCollection(segments, colors=colours, linewidths=1.2, alpha=0.7))
        ax.scatter(
            np.r_[np.zeros(len(first)), np.ones(len(latest))],
            np.r_[first, latest],
            s=14,
            c=colours + colours,
            alpha=0.7,
            zorder=3,
        )
        ax.set_xticks([0, 1], ["first", "latest"])
        ax.set_xlim(-0.3, 1.3)
        ax.set_ylim(1, 5)
        ax.set_title(
            f"{_title(score)}\n{int((change < 0).sum())} of {len(done)} families fell (improved)", fontsize=10
        )
        ax.grid(alpha=0.3)
    for ax in axes[:, 0]:
        ax.set_ylabel(_Y_LABEL)
    fig.suptitle("SCORE-15: first and latest family score")
    return fig


def png_base64(fig: Figure) -> str:
    """The figure as a base64 PNG, for embedding in a self-contained HTML page."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")
