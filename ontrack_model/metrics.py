"""Model-quality metrics at the programme's capacity, plus the usual threshold-free ones.

Capacity k counts FAMILIES (the programme works with families): a family is selected when it is
among the k highest family scores (the highest of its Year 6 children), and a family is a
positive when any of its Year 6 children entered care within the horizon.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from ontrack_model.ranking import family_scores


@dataclass(frozen=True)
class CapacityMetrics:
    """How a ranked list does at capacity k, and overall."""

    k: int
    k_share: float  # k as a share of the cohort's families
    precision_at_k: float
    recall_at_k: float
    lift_at_k: float  # precision at k over the family base rate
    base_rate: float  # share of families with a positive child
    auc: float
    average_precision: float
    brier: float  # on children, of the probabilities given
    ece: float  # expected calibration error, children, equal-mass bins
    n_families: int
    n_positive_families: int

    def as_dict(self) -> dict[str, float]:
        """Plain dict for logging."""
        return asdict(self)


def family_outcomes(children: pd.DataFrame, score_col: str = "score") -> pd.DataFrame:
    """One row per family, ranked: family_score, rank and positive (any child with label 1)."""
    fam = family_scores(children, score_col)
    positive = children.groupby("family_id", observed=True)["label"].max().astype(int)
    fam["positive"] = fam["family_id"].map(positive).to_numpy()
    return fam


def precision_recall_at_k(children: pd.DataFrame, k: int, score_col: str = "score") -> tuple[float, float]:
    """Family-level precision and recall of the top k families."""
    return _precision_recall(family_outcomes(children, score_col), k)


def _precision_recall(fam: pd.DataFrame, k: int) -> tuple[float, float]:
    top = fam.loc[fam["rank"] <= k, "positive"]
    total = int(fam["positive"].sum())
    precision = float(top.mean()) if len(top) else float("nan")
    recall = float(top.sum() / total) if total else float("nan")
    return precision, recall


def curve_at_k(children: pd.DataFrame, ks: list[int], score_col: str = "score") -> pd.DataFrame:
    """Precision and recall at each k in `ks` (for the precision/recall-at-k plot)."""
    fam = family_outcomes(children, score_col)
    hits = fam["positive"].cumsum().to_numpy()
    total = max(int(fam["positive"].sum()), 1)
    rows = []
    for k in ks:
        kk = min(k, len(fam))
        rows.append({"k": k, "precision": hits[kk - 1] / kk, "recall": hits[kk - 1] / total})
    return pd.DataFrame(rows)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> float:
    """ECE with equal-mass bins: weighted mean |observed rate - mean prediction| per bin.

    Equal-mass bins suit a rare outcome: equal-width bins would put almost every child in the
    first bin and say little.
    """
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="mergesort")
    bins = np.array_split(order, n_bins)
    return float(sum(len(b) * abs(y[b].mean() - p[b].mean()) for b in bins if len(b)) / max(len(p), 1))


def calibration_table(y: np.ndarray, p: np.ndarray, n_bins: int = 10) -> pd.DataFrame:
    """Mean prediction and observed rate per equal-mass bin (for the calibration curve)."""
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    order = np.argsort(p, kind="mergesort")
    rows = [
        {"bin": i + 1, "n": len(b), "mean_predicted": p[b].mean(), "observed_rate": y[b].mean()}
        for i, b in enumerate(np.array_split(order, n_bins))
        if len(b)
    ]
    return pd.DataFrame(rows)


def _safe(metric, y: np.ndarray, s: np.ndarray) -> float:
    # AUC and AP are undefined for a cohort with no positives (or no negatives): say NaN, not crash.
    if len(np.unique(y)) < 2:
        return float("nan")
    return float(metric(y, s))


def evaluate_at_capacity(
    children: pd.DataFrame, k: int, score_col: str = "score", prob_col: str | None = "probability"
) -> CapacityMetrics:
    """All metrics for one labelled cohort's scored children (family_id, label, score[, probability])."""
    if k <= 0:
        raise ValueError(f"capacity k must be positive, got {k}")
    fam = family_outcomes(children, score_col)
    n_fam = len(fam)
    n_pos = int(fam["positive"].sum())
    precision, recall = _precision_recall(fam, k)
    base = n_pos / n_fam if n_fam else float("nan")
    y = children["label"].astype(int).to_numpy()
    s = children[score_col].to_numpy(dtype=float)
    if prob_col and prob_col in children:
        p = children[prob_col].to_numpy(dtype=float)
        brier = float(brier_score_loss(y, p))
        ece = expected_calibration_error(y, p)
    else:
        brier = ece = float("nan")
    return CapacityMetrics(
        k=k,
        k_share=k / n_fam if n_fam else float("nan"),
        precision_at_k=precision,
        recall_at_k=recall,
        lift_at_k=precision / base if base else float("nan"),
        base_rate=base,
        auc=_safe(roc_auc_score, y, s),
        average_precision=_safe(average_precision_score, y, s),
        brier=brier,
        ece=ece,
        n_families=n_fam,
        n_positive_families=n_pos,
    )
