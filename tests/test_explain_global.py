"""What drives the model overall: importance tables on a known world, and the written artifacts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_explain_data import SPECS, STRONG_GROUPS, fit_hgb, fit_lr, known_world

from ontrack_model.explain import (
    feature_importance,
    global_importance,
    shap_values,
    transformed_origin,
    write_global_artifacts,
)


@pytest.fixture(scope="module")
def world():
    return known_world(n=4000, seed=1)


@pytest.fixture(scope="module")
def hgb_result(world):
    X, y = world
    return shap_values(fit_hgb(X, y), X.to_numpy(), list(X.columns))


def _lr_result(X, y):
    encoder, model = fit_lr(X, y)
    Z = encoder.transform(X.to_numpy())
    return shap_values(model, Z, transformed_origin(encoder, list(X.columns)), background=Z)


@pytest.mark.parametrize("kind", ["hgb", "lr"])
def test_groups_with_known_strong_effects_lead_the_importance(kind, world, hgb_result) -> None:
    X, y = world
    result = hgb_result if kind == "hgb" else _lr_result(X, y)
    table = global_importance(result, SPECS)
    assert list(table.columns) == ["group", "mean_abs_shap", "share"]
    assert set(table["group"].head(3)) == STRONG_GROUPS
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["mean_abs_shap"].is_monotonic_decreasing
    if kind == "lr":  # boosting also fits some noise; the regression should not
        assert table.loc[table["group"].isin(["Housing", "Health visits"]), "share"].sum() < 0.1


def test_feature_importance_matches_mean_abs_values(hgb_result) -> None:
    table = feature_importance(hgb_result, SPECS)
    assert set(table["feature"]) == set(SPECS)
    j = hgb_result.feature_names.index("cp_plan_current")
    row = table.set_index("feature").loc["cp_plan_current"]
    assert row["mean_abs_shap"] == pytest.approx(np.abs(hgb_result.values[:, j]).mean())
    assert row["group"] == "Child protection"


def test_artifacts_are_written_whole_and_agree_with_the_table(world, hgb_result, tmp_path) -> None:
    X, _ = world
    out = tmp_path / "shap"
    paths = write_global_artifacts(hgb_result, X, SPECS, out, max_points=800, seed=1)
    assert all(p.parent == out and p.is_file() and p.stat().st_size > 0 for p in paths)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no temp files left
    pngs = [p for p in paths if p.suffix == ".png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert len([p for p in pngs if p.name.startswith("dependence_")]) == 3
    top3 = feature_importance(hgb_result, SPECS)["feature"].head(3)
    assert all(any(p.name.endswith(f"_{name}.png") for p in pngs) for name in top3)
    written = pd.read_csv(out / "importance_by_group.csv")
    pd.testing.assert_frame_equal(written, global_importance(hgb_result, SPECS), check_exact=False)
    # Only aggregates: no row-level values or identifiers in the tables.
    assert len(written) == len({s.group for s in SPECS.values()})


def test_artifacts_refuse_a_misaligned_matrix(world, hgb_result, tmp_path) -> None:
    X, _ = world
    from ontrack_model.explain import ExplanationError

    with pytest.raises(ExplanationError):
        write_global_artifacts(hgb_result, X.iloc[:100], SPECS, tmp_path)
    assert not any(tmp_path.iterdir())
