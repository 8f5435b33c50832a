"""Exact SHAP values of the scoring estimator, in log-odds, summed back to the feature-matrix columns.

The estimator is explained on the encoded matrix it was fitted on, in log-odds (its
`decision_function`); calibration is a monotone map applied afterwards, so ranks and reasons
agree. Every result is checked for additivity (base value + sum of SHAP values == log-odds) before
it is returned: a model whose explanation would be wrong is refused, never explained silently.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ontrack_model.explain.errors import ExplanationError

ADDITIVITY_TOLERANCE = 1e-6  # log-odds; exact TreeSHAP / linear SHAP agree to ~1e-12 in float64
# Below this many rows per worker, starting processes costs more than it saves (~2 s start-up).
MIN_ROWS_PER_WORKER = 2_000


@dataclass
class ShapResult:
    """SHAP values per feature-matrix column for n rows, in log-odds, with the base value."""

    values: np.ndarray  # (n, p_features): contribution of each feature to each row's log-odds
    base_value: float  # the model's expected log-odds over the background
    margin: np.ndarray  # (n,): the estimator's log-odds (decision_function) per row
    feature_names: list[str]  # column names of `values`, in the order they first appear in `origin`
    checked_rows: int = 0  # rows whose additivity was verified
    max_additivity_error: float = 0.0  # largest |base + sum - margin| over the checked rows

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.margin), len(self.feature_names)):
            raise ExplanationError(
                f"SHAP values have shape {self.values.shape}, expected "
                f"({len(self.margin)}, {len(self.feature_names)})"
            )

    @property
    def n_rows(self) -> int:
        """Number of explained rows."""
        return int(self.values.shape[0])


def _is(estimator: Any, class_name: str) -> bool:
    return any(cls.__name__ == class_name for cls in type(estimator).__mro__)


def _refuse_unsupported(estimator: Any) -> str:
    """Return "tree" or "linear", or raise ExplanationError saying why the model cannot be explained."""
    if _is(estimator, "HistGradientBoostingClassifier"):
        if not hasattr(estimator, "_predictors"):
            raise ExplanationError("the gradient-boosting model is not fitted")
        is_categorical = getattr(estimator, "is_categorical_", None)
        if is_categorical is not None and np.any(is_categorical):
            raise ExplanationError(
                "the gradient-boosting model uses native categorical splits "
                f"({int(np.sum(is_categorical))} categorical columns); SHAP values for such splits are "
                "not exact (additivity breaks by several log-odds). Encode categories as numbers "
                "(one-hot or ordinal codes) and refit without categorical_features."
            )
        if getattr(estimator, "n_trees_per_iteration_", 1) != 1:
            raise ExplanationError("only two-class gradient-boosting models can be explained")
        return "tree"
    if _is(estimator, "LogisticRegression"):
        if not hasattr(estimator, "coef_"):
            raise ExplanationError("the logistic regression is not fitted")
        if estimator.coef_.shape[0] != 1:
            raise ExplanationError("only two-class logistic regressions can be explained")
        return "linear"
    raise ExplanationError(
        f"cannot explain a {type(estimator).__name__}: pass the fitted HistGradientBoostingClassifier or "
        "LogisticRegression itself (not a Pipeline or calibrated wrapper) and the encoded matrix"
    )


def _origin_matrix(origin: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Feature names in first-appearance order and the 0/1 matrix summing encoded columns into them."""
    names = list(dict.fromkeys(origin))
    index = {name: j for j, name in enumerate(names)}
    summing = np.zeros((len(origin), len(names)))
    for i, name in enumerate(origin):
        summing[i, index[name]] = 1.0
    return names, summing


def _tree_shap_chunk(explainer: Any, rows: np.ndarray) -> np.ndarray:
    # shap's own additivity check compares with predict(); we check against decision_function instead.
    return np.asarray(explainer.shap_values(rows, check_additivity=False), dtype=float)


def _tree_shap(estimator: Any, X: np.ndarray, n_jobs: int | None) -> tuple[np.ndarray, float]:
    import shap

    # Path-dependent TreeSHAP (no background): exact, and the fastest algorithm for large cohorts.
    explainer = shap.TreeExplainer(estimator)
    workers = (os.cpu_count() or 1) if n_jobs is None or n_jobs < 1 else n_jobs
    workers = max(1, min(workers, math.ceil(len(X) / MIN_ROWS_PER_WORKER)))
    if workers == 1:
        values = _tree_shap_chunk(explainer, X)
    else:
        # shap's C++ TreeSHAP holds the GIL, so rows are split across processes, not threads.
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=workers)(
            delayed(_tree_shap_chunk)(explainer, chunk) for chunk in np.array_split(X, workers)
        )
        values = np.vstack(parts)
    return values, float(np.ravel(explainer.expected_value)[0])


def _linear_shap(estimator: Any, X: np.ndarray, background: np.ndarray | None) -> tuple[np.ndarray, float]:
    import shap

    data = X if background is None else background
    # The whole background sets the reference mean: shap would otherwise subsample it to 100 rows.
    explainer = shap.LinearExplainer(estimator, shap.maskers.Independent(data, max_samples=len(data)))
    values = np.asarray(explainer.shap_values(X), dtype=float)
    return values, float(np.ravel(explainer.expected_value)[0])


def check_additivity(
    values: np.ndarray, base_value: float, margin: np.ndarray, rows: np.ndarray | None = None
) -> float:
    """Largest |base + sum(SHAP) - log-odds| over `rows` (all if None); ExplanationError above 1e-6."""
    picked = slice(None) if rows is None else rows
    gaps = np.abs(base_value + values[picked].sum(axis=1) - margin[picked])
    worst = float(np.max(gaps)) if gaps.size else 0.0
    if not worst <= ADDITIVITY_TOLERANCE:  # also catches NaN
        raise ExplanationError(
            f"SHAP values do not add up to the model's log-odds: the largest gap is {worst:.3g} "
            f"(tolerance {ADDITIVITY_TOLERANCE:g}) on {int(np.sum(gaps > ADDITIVITY_TOLERANCE))} of "
            f"{gaps.size} checked rows; the explanation would be wrong, so none is given"
        )
    return worst


def shap_values(
    estimator: Any,
    X_transformed: np.ndarray,
    origin: Sequence[str],
    background: np.ndarray | None = None,
    check_rows: int | None = None,
    seed: int = 0,
    n_jobs: int | None = None,
) -> ShapResult:
    """Exact SHAP values (log-odds) of a fitted HGB or logistic regression, summed to `origin` features.

    `origin[j]` names the feature-matrix column that encoded column j came from. `background`
    (a sample of the training matrix) sets the reference for the logistic regression; trees use
    their own training counts. Additivity is checked on `check_rows` rows drawn with `seed`
    (None: every row, which costs well under 1% of the SHAP computation). `n_jobs` worker
    processes share large tree explanations (None: all cores).
    """
    kind = _refuse_unsupported(estimator)
    X = np.asarray(X_transformed, dtype=np.float64)
    if X.ndim != 2:
        raise ExplanationError(f"the encoded matrix must be 2-dimensional, got shape {X.shape}")
    if len(origin) != X.shape[1]:
        raise ExplanationError(f"origin names {len(origin)} columns but the encoded matrix has {X.shape[1]}")
    n_in = getattr(estimator, "n_features_in_", X.shape[1])
    if n_in != X.shape[1]:
        raise ExplanationError(f"the model was fitted on {n_in} encoded columns, the matrix has {X.shape[1]}")
    if kind == "linear" and np.isnan(X).any():
        raise ExplanationError("the encoded matrix for the logistic regression has missing values")
    if kind == "tree":
        raw, base = _tree_shap(estimator, X, n_jobs)
    else:
        bg = None if background is None else np.asarray(background, dtype=np.float64)
        raw, base = _linear_shap(estimator, X, bg)
    margin = np.asarray(estimator.decision_function(X), dtype=float).ravel()
    rows = None
    if check_rows is not None and check_rows < len(X):
        rows = np.random.default_rng(seed).choice(len(X), size=max(check_rows, 1), replace=False)
    worst = check_additivity(raw, base, margin, rows)
    names, summing = _origin_matrix(origin)
    return ShapResult(
        values=raw @ summing,
        base_value=base,
        margin=margin,
        feature_names=names,
        checked_rows=len(X) if rows is None else len(rows),
        max_additivity_error=worst,
    )
