"""Summing the SHAP values of related feature columns into one reason (a FeatureSpec group)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ontrack_model.explain.errors import ExplanationError
from ontrack_model.explain.shap_values import ShapResult
from ontrack_model.feature_spec import FeatureSpec


def feature_groups(feature_names: list[str], specs: Mapping[str, FeatureSpec]) -> dict[str, list[int]]:
    """Group name -> positions of its features in `feature_names`, groups in feature-dictionary order."""
    unknown = [name for name in feature_names if name not in specs]
    if unknown:
        raise ExplanationError(
            f"{len(unknown)} explained columns have no entry in the feature dictionary: {unknown[:5]}"
        )
    position = {name: j for j, name in enumerate(feature_names)}
    groups: dict[str, list[int]] = {}
    for name, spec in specs.items():  # dictionary order gives a stable, meaningful group order
        if name in position:
            groups.setdefault(spec.group, []).append(position[name])
    return groups


def grouped_contributions(result: ShapResult, specs: Mapping[str, FeatureSpec]) -> pd.DataFrame:
    """SHAP values summed by reason group: one column per group, one row per explained row."""
    groups = feature_groups(result.feature_names, specs)
    totals = np.zeros((result.n_rows, len(groups)))
    for k, idx in enumerate(groups.values()):
        totals[:, k] = result.values[:, idx].sum(axis=1)
    return pd.DataFrame(totals, columns=pd.Index(list(groups), name="group"))
