"""What drives the model overall: importance tables and the evaluator's figures, written as artifacts."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ontrack_model.explain._files import write_atomically
from ontrack_model.explain.errors import ExplanationError
from ontrack_model.explain.grouping import feature_groups, grouped_contributions
from ontrack_model.explain.shap_values import ShapResult
from ontrack_model.feature_spec import FeatureSpec

if TYPE_CHECKING:
    from matplotlib.figure import Figure

MAX_PLOT_POINTS = 5_000  # beeswarm and dependence plots of more points are slow and no clearer
N_DEPENDENCE = 3


def global_importance(result: ShapResult, specs: Mapping[str, FeatureSpec]) -> pd.DataFrame:
    """Mean |summed SHAP| per group and its share of the total, most important first."""
    mean_abs = grouped_contributions(result, specs).abs().mean(axis=0)
    total = float(mean_abs.sum())
    table = pd.DataFrame(
        {
            "group": mean_abs.index.astype(str),
            "mean_abs_shap": mean_abs.to_numpy(),
            "share": mean_abs.to_numpy() / total if total > 0 else np.zeros(len(mean_abs)),
        }
    )
    return table.sort_values(["mean_abs_shap", "group"], ascending=[False, True], ignore_index=True)


def feature_importance(result: ShapResult, specs: Mapping[str, FeatureSpec]) -> pd.DataFrame:
    """Mean |SHAP| per feature-matrix column with its group, most important first."""
    feature_groups(result.feature_names, specs)  # raises if a column has no dictionary entry
    table = pd.DataFrame(
        {
            "feature": result.feature_names,
            "group": [specs[name].group for name in result.feature_names],
            "mean_abs_shap": np.abs(result.values).mean(axis=0),
        }
    )
    return table.sort_values(["mean_abs_shap", "feature"], ascending=[False, True], ignore_index=True)


def _main_measures(result: ShapResult, X_raw: pd.DataFrame, specs: Mapping[str, FeatureSpec]) -> pd.DataFrame:
    """Per group, the raw values of its feature with the largest mean |SHAP| (colours the beeswarm)."""
    mean_abs = np.abs(result.values).mean(axis=0)
    columns = {}
    for group, idx in feature_groups(result.feature_names, specs).items():
        main = result.feature_names[idx[int(np.argmax(mean_abs[idx]))]]
        columns[group] = X_raw[main].astype("float64").to_numpy(na_value=np.nan)
    return pd.DataFrame(columns)


def _save_figure(fig: Figure, path: Path) -> Path:
    import matplotlib.pyplot as plt

    try:
        # bbox "tight" keeps colour-bar and wrapped axis labels inside the image.
        return write_atomically(
            path, lambda tmp: fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
        )
    finally:
        plt.close(fig)


def write_global_artifacts(
    result: ShapResult,
    X_raw: pd.DataFrame,
    specs: Mapping[str, FeatureSpec],
    out_dir: Path,
    max_points: int = MAX_PLOT_POINTS,
    seed: int = 0,
) -> list[Path]:
    """Write the importance CSVs, the importance bar plot, a grouped beeswarm and top-3 dependence plots.

    Plots show at most `max_points` rows, drawn with `seed`; the tables use every row. Only
    aggregates and unlabelled points are written: no identifiers.
    """
    from ontrack_model.explain import plots

    out_dir = Path(out_dir)
    missing = [name for name in result.feature_names if name not in X_raw.columns]
    if missing or len(X_raw) != result.n_rows:
        raise ExplanationError(
            f"the feature matrix must have the {result.n_rows} explained rows and every explained column "
            f"(it has {len(X_raw)} rows; missing columns: {missing[:5]})"
        )
    groups_table = global_importance(result, specs)
    features_table = feature_importance(result, specs)
    paths = [
        write_atomically(out_dir / "importance_by_group.csv", lambda p: groups_table.to_csv(p, index=False)),
        write_atomically(
            out_dir / "importance_by_feature.csv", lambda p: features_table.to_csv(p, index=False)
        ),
        _save_figure(plots.importance_bar(groups_table), out_dir / "importance_by_group.png"),
    ]
    rows = np.arange(result.n_rows)
    if len(rows) > max_points:
        rows = np.sort(np.random.default_rng(seed).choice(rows, size=max_points, replace=False))
    grouped = grouped_contributions(result, specs).iloc[rows].reset_index(drop=True)
    colours = _main_measures(result, X_raw, specs).iloc[rows].reset_index(drop=True)
    beeswarm = plots.grouped_beeswarm(grouped, colours, result.base_value)
    paths.append(_save_figure(beeswarm, out_dir / "beeswarm_by_group.png"))
    position = {name: j for j, name in enumerate(result.feature_names)}
    for rank, name in enumerate(features_table["feature"].head(N_DEPENDENCE), start=1):
        spec = specs[name]
        values = X_raw[name].astype("float64").to_numpy(na_value=np.nan)[rows]
        fig = plots.dependence(values, result.values[rows, position[name]], spec.description, spec.group)
        paths.append(_save_figure(fig, out_dir / f"dependence_{rank}_{name}.png"))
    return paths
