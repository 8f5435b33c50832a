"""Plots logged with each training run (PNG, matplotlib's non-interactive backend)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ontrack_model.metrics import curve_at_k  # noqa: E402


def _save(fig, path: Path) -> Path:
    tmp = path.with_suffix(".tmp.png")
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    tmp.replace(path)
    return path


def precision_recall_at_k(
    scored_by_candidate: dict[str, pd.DataFrame], k: int, year: int, path: Path
) -> Path:
    """Precision and recall against list length for each candidate on one validation cohort."""
    n_fam = max(df["family_id"].nunique() for df in scored_by_candidate.values())
    ks = sorted({max(1, int(x)) for x in [5, 10, 25, 50, 75, 100, 150, 200, 300, 400, 600, 800, 1000]} | {k})
    ks = [x for x in ks if x <= n_fam]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for name, scored in scored_by_candidate.items():
        curve = curve_at_k(scored, ks)
        style = "--" if name in ("random", "current_practice") else "-"
        axes[0].plot(curve["k"], curve["precision"], style, label=name)
        axes[1].plot(curve["k"], curve["recall"], style, label=name)
    for ax, what in zip(axes, ("Precision", "Recall"), strict=True):
        ax.axvline(k, color="grey", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("families on the list (k)")
        ax.set_ylabel(what)
        ax.set_title(f"{what} at k, cohort {year} (capacity k={k} marked)")
    axes[1].legend(fontsize=8)
    return _save(fig, path)


def calibration_curve(table: pd.DataFrame, year: int, ece: float, path: Path) -> Path:
    """Observed rate against mean predicted probability per equal-mass bin."""
    fig, ax = plt.subplots(figsize=(5, 5))
    top = max(table["mean_predicted"].max(), table["observed_rate"].max()) * 1.1
    ax.plot([0, top], [0, top], color="grey", lw=0.8, label="perfect calibration")
    ax.plot(table["mean_predicted"], table["observed_rate"], "o-", label="model")
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed rate of entering care")
    ax.set_title(f"Calibration on cohort {year} (ECE {ece:.4f})")
    ax.legend()
    return _save(fig, path)


def split_diagram(splits, final_years: tuple[int, ...], current_year: int, path: Path) -> Path:
    """Which cohorts each split trains and validates on, and the final fit."""
    rows = [(f"validate {s.validation_year}", s.train_years, s.validation_year) for s in splits]
    rows.append(("final model", final_years, current_year))
    fig, ax = plt.subplots(figsize=(9, 0.6 * len(rows) + 1.2))
    for i, (label, train, target) in enumerate(rows):
        ax.barh(i, len(train), left=min(train) - 0.4, height=0.5, color="#4c72b0")
        ax.barh(
            i, 0.8, left=target - 0.4, height=0.5, color="#dd8452" if label != "final model" else "#55a868"
        )
        ax.text(min(train) - 0.6, i, label, ha="right", va="center", fontsize=9)
    ax.set_yticks([])
    ax.set_xlabel("cohort (school year ending)")
    ax.set_title("Temporal splits: train (blue) on earlier cohorts, validate (orange), score (green)")
    return _save(fig, path)
