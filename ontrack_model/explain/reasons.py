"""Plain-language reasons: why one child scored as they did, in words a practitioner can use.

Each reason is one feature group (e.g. "School attendance") whose summed SHAP value moved the
child's score; its text states the underlying fact from the feature dictionary, taken from the
group's feature that moved this child's score most in the reason's direction, e.g. "3
suspensions in the last 12 months (raises the score)". Only features of the model can appear,
so a characteristic that is not a feature (ethnicity, sex, ...) is never given as a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, TypedDict

import numpy as np
import pandas as pd

from ontrack_model.explain.errors import ExplanationError
from ontrack_model.explain.grouping import feature_groups, grouped_contributions
from ontrack_model.explain.shap_values import ShapResult
from ontrack_model.feature_spec import FeatureSpec

# Contributions smaller than this (log-odds; ~1% relative change in the odds) are not worth saying.
MIN_CONTRIBUTION = 0.01
SUFFIX = {"raises": " (raises the score)", "lowers": " (lowers the score)"}


class Reason(TypedDict):
    """One reason, as stored with the ranked list (see liststore)."""

    group: str
    text: str
    direction: Literal["raises", "lowers"]
    contribution: float  # log-odds


def _sentence(fact: str, direction: str) -> str:
    return fact[:1].upper() + fact[1:] + SUFFIX[direction]


class _GroupFacts:
    """The facts of one group's features, per row strongest first in the direction of the group's total."""

    def __init__(self, group: str, specs: list[FeatureSpec], raw: np.ndarray, shap: np.ndarray) -> None:
        self.group = group
        self.specs = specs
        self.raw = raw  # (n, k) raw feature values
        # A reason that raises the score states the fact that raises it most (and vice versa): a
        # feature pushing against the group's total comes last, so its fact is never given as the
        # cause. When all push the same way this is the largest |SHAP|. Stable sort: ties keep
        # dictionary order, so identical rows get identical texts.
        direction = np.sign(shap.sum(axis=1, keepdims=True))
        self.order = np.argsort(-(shap * direction), axis=1, kind="stable")

    def fact(self, row: int) -> str:
        for j in self.order[row]:
            value = self.raw[row, j]
            text = self.specs[j].describe_fact(None if np.isnan(value) else float(value))
            if text:
                return text
        # Every feature has a value with no statement (0 or missing; a non-zero value always has
        # one), so nothing is recorded in this area: say so rather than name the area bare.
        return f"{self.group}: none recorded"


def _raw_values(X_raw: pd.DataFrame, names: list[str], n_rows: int) -> np.ndarray:
    missing = [name for name in names if name not in X_raw.columns]
    if missing:
        raise ExplanationError(f"the feature matrix lacks {len(missing)} explained columns: {missing[:5]}")
    if len(X_raw) != n_rows:
        raise ExplanationError(f"the feature matrix has {len(X_raw)} rows but {n_rows} rows were explained")
    return X_raw[names].astype("float64").to_numpy(na_value=np.nan)


def reasons_for_rows(
    result: ShapResult,
    X_raw: pd.DataFrame,
    specs: Mapping[str, FeatureSpec],
    top: int | None = 3,
    min_contribution: float = MIN_CONTRIBUTION,
) -> list[list[Reason]]:
    """Per row: up to `top` reasons that raised the score, then up to `top` that lowered it, strongest first.

    `X_raw` is the feature matrix (row-aligned with `result`) whose values the texts state.
    `top=None` gives every group whose contribution is at least `min_contribution` log-odds, for
    the family detail page.
    """
    groups = feature_groups(result.feature_names, specs)
    names = list(groups)
    raw = _raw_values(X_raw, result.feature_names, result.n_rows)
    facts = [
        _GroupFacts(
            group,
            [specs[result.feature_names[i]] for i in idx],
            raw[:, idx],
            result.values[:, idx],
        )
        for group, idx in groups.items()
    ]
    totals = grouped_contributions(result, specs).to_numpy()
    # Order each row's groups strongest-first once for all rows; the loop below only picks.
    order = np.argsort(-np.abs(totals), axis=1, kind="stable")
    limit = len(names) if top is None else top
    out: list[list[Reason]] = []
    for row in range(result.n_rows):
        raises: list[Reason] = []
        lowers: list[Reason] = []
        for k in order[row]:
            value = float(totals[row, k])
            if abs(value) < min_contribution:
                break  # sorted by |contribution|: the rest are smaller still
            direction: Literal["raises", "lowers"] = "raises" if value > 0 else "lowers"
            bucket = raises if direction == "raises" else lowers
            if len(bucket) < limit:
                text = _sentence(facts[k].fact(row), direction)
                bucket.append(Reason(group=names[k], text=text, direction=direction, contribution=value))
            if len(raises) >= limit and len(lowers) >= limit:
                break
        out.append(raises + lowers)
    return out
