"""Point estimates of the group metrics at capacity, computed with fairlearn's `MetricFrame`.

fairlearn's rate functions return 0 where a rate is undefined (e.g. the false positive rate of a
group with no negatives); the wrappers here return NaN instead, so "undefined" never reads as
"perfect".

MetricFrame is given one row per (group, outcome, selected) cell with the number of children in
it as the sample weight, not one row per child: the metrics are the same, and fairlearn's
per-row overhead would otherwise take minutes on a large cohort (~25 s per 100,000 children).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from fairlearn.metrics import (
    MetricFrame,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import precision_score

from ontrack_model.fairness.config import metric_names
from ontrack_model.fairness.inputs import PreparedCohort

Metric = Callable[..., float]


def _when(condition: Callable[[np.ndarray, np.ndarray], bool], metric: Metric) -> Metric:
    """`metric`, or NaN when its denominator is empty."""

    def wrapped(y_true, y_pred, **kwargs) -> float:
        y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
        return float(metric(y_true, y_pred, **kwargs)) if condition(y_true, y_pred) else float("nan")

    return wrapped


def _has_pos(y_true, y_pred) -> bool:
    return bool((y_true == 1).any())


def _has_neg(y_true, y_pred) -> bool:
    return bool((y_true == 0).any())


def _has_sel(y_true, y_pred) -> bool:
    return bool((y_pred == 1).any())


def _has_unsel(y_true, y_pred) -> bool:
    return bool((y_pred == 0).any())


def _precision(y_true, y_pred, sample_weight=None) -> float:
    return precision_score(y_true, y_pred, pos_label=1, zero_division=np.nan, sample_weight=sample_weight)


def _false_omission(y_true, y_pred, sample_weight=None) -> float:
    # FOR = FN / (FN + TN) = 1 - negative predictive value, and NPV is precision for label 0
    return 1.0 - precision_score(y_true, y_pred, pos_label=0, zero_division=np.nan,
                                 sample_weight=sample_weight)


def _group_size(y_true, y_pred, sample_weight) -> float:
    return float(np.sum(sample_weight))


def _base_rate(y_true, y_pred, sample_weight) -> float:
    return float(np.average(y_true, weights=sample_weight))


def _selected(y_true, y_pred, sample_weight) -> float:
    return float(np.sum(np.asarray(y_pred) * sample_weight))


def _mean_predicted(y_true, y_pred, *, probability, sample_weight) -> float:
    return float(np.average(probability, weights=sample_weight))


LABELLED_METRICS: dict[str, Metric] = {
    "group_size": _group_size,
    "selected": _selected,
    "base_rate": _base_rate,
    "selection_rate": selection_rate,
    "precision": _when(_has_sel, _precision),
    "recall": _when(_has_pos, lambda t, p, **w: true_positive_rate(t, p, pos_label=1, **w)),
    "fpr": _when(_has_neg, lambda t, p, **w: false_positive_rate(t, p, pos_label=1, **w)),
    "fnr": _when(_has_pos, lambda t, p, **w: false_negative_rate(t, p, pos_label=1, **w)),
    "fdr": _when(_has_sel, lambda t, p, **w: 1.0 - _precision(t, p, **w)),
    "for": _when(_has_unsel, _false_omission),
    "mean_predicted": _mean_predicted,
}
UNLABELLED_METRICS = ("group_size", "selected", "selection_rate", "mean_predicted")


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    # x / 0 is undefined here (not infinite): a group with no need cannot be over-selected "infinitely"
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num.to_numpy(dtype=float) / den.to_numpy(dtype=float)
    out[~np.isfinite(out)] = np.nan
    return pd.Series(out, index=num.index)


def metric_frame(prepared: PreparedCohort, attribute: str) -> MetricFrame:
    """fairlearn `MetricFrame` of one attribute's groups: y_true = label, y_pred = selected at k,
    one weighted row per (group, label, selected) cell."""
    spec = next(g for g in prepared.groups if g.attribute == attribute)
    names = list(LABELLED_METRICS) if prepared.labelled else list(UNLABELLED_METRICS)
    y_pred = prepared.selected.astype(np.int64)
    # the current cohort has no labels yet; its metrics ignore y_true, which MetricFrame still needs
    y_true = prepared.frame["label"].to_numpy(dtype=np.int64) if prepared.labelled else y_pred
    cell, row_cell, children = np.unique(spec.codes * 4 + y_true * 2 + y_pred, return_inverse=True,
                                         return_counts=True)
    probability = np.bincount(row_cell, weights=prepared.frame["probability"].to_numpy()) / children
    weight = children.astype(float)
    groups = pd.Series(np.asarray(spec.labels, dtype=object)[cell // 4], name=attribute)
    params = {n: {"sample_weight": weight} for n in names}
    params["mean_predicted"] = {"probability": probability, "sample_weight": weight}
    return MetricFrame(
        metrics={n: LABELLED_METRICS[n] for n in names},
        y_true=(cell // 2) % 2,
        y_pred=cell % 2,
        sensitive_features=groups,
        sample_params=params,
    )


def group_metrics(prepared: PreparedCohort, attribute: str) -> pd.DataFrame:
    """One row per group of `attribute`, one column per published metric (unsuppressed)."""
    mf = metric_frame(prepared, attribute)
    by_group = mf.by_group.astype(float)
    by_group["list_share"] = _ratio(by_group["selected"], pd.Series(mf.overall["selected"], by_group.index))
    if prepared.labelled:
        by_group["selection_to_need"] = _ratio(by_group["selection_rate"], by_group["base_rate"])
        by_group["predicted_to_observed"] = _ratio(by_group["mean_predicted"], by_group["base_rate"])
    by_group.index = by_group.index.astype(str)
    by_group.index.name = "group"
    return by_group[metric_names(prepared.labelled)]
