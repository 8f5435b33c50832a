"""Exact SHAP values: additivity on every row for both model types, refusal of unexplainable models."""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.pipeline import make_pipeline
from test_explain_data import fit_hgb, fit_lr, known_world

from ontrack_model.errors import OnTrackError
from ontrack_model.explain import ExplanationError, check_additivity, shap_values, transformed_origin

# The module, not the function of the same name that the package exports.
shap_module = importlib.import_module("ontrack_model.explain.shap_values")


@pytest.fixture(scope="module")
def world():
    return known_world(n=2000)


def _gap(result, estimator, Z) -> float:
    """Largest additivity gap, computed independently of the library's own check."""
    total = result.base_value + result.values.sum(axis=1)
    return float(np.max(np.abs(total - estimator.decision_function(Z))))


def test_hgb_with_missing_values_is_additive_on_every_row(world) -> None:
    X, y = world
    assert X.isna().to_numpy().any()
    model = fit_hgb(X, y)
    result = shap_values(model, X.to_numpy(), list(X.columns), check_rows=None)
    assert result.values.shape == (len(X), X.shape[1])
    assert result.feature_names == list(X.columns)
    assert result.checked_rows == len(X)
    assert _gap(result, model, X.to_numpy()) < 1e-6
    np.testing.assert_allclose(result.margin, model.decision_function(X.to_numpy()))
    # Missing attendance is explained too: those rows carry a SHAP value for the column.
    missing = X["attendance_12m"].isna().to_numpy()
    assert np.abs(result.values[missing, X.columns.get_loc("attendance_12m")]).max() > 0


def test_logistic_with_imputer_indicator_scaler_is_additive_and_summed_to_features(world) -> None:
    X, y = world
    encoder, model = fit_lr(X, y)
    Z = encoder.transform(X.to_numpy())
    origin = transformed_origin(encoder, list(X.columns))
    assert len(origin) == Z.shape[1] > X.shape[1]  # the indicator column maps back to attendance
    assert origin.count("attendance_12m") == 2
    result = shap_values(model, Z, origin, background=Z[:500], check_rows=None)
    assert result.feature_names == list(X.columns)
    assert _gap(result, model, Z) < 1e-6
    # The attendance value and its "was missing" indicator are one feature's SHAP value.
    cols = [j for j, name in enumerate(origin) if name == "attendance_12m"]
    coef, mean = model.coef_[0], Z[:500].mean(axis=0)
    expected = ((Z[:, cols] - mean[cols]) * coef[cols]).sum(axis=1)
    np.testing.assert_allclose(result.values[:, X.columns.get_loc("attendance_12m")], expected, atol=1e-9)


def test_parallel_chunks_give_the_same_values(world, monkeypatch) -> None:
    X, y = world
    model = fit_hgb(X, y, max_iter=20)
    serial = shap_values(model, X.to_numpy(), list(X.columns), n_jobs=1)
    monkeypatch.setattr(shap_module, "MIN_ROWS_PER_WORKER", 500)
    parallel = shap_values(model, X.to_numpy(), list(X.columns), n_jobs=2)
    np.testing.assert_array_equal(serial.values, parallel.values)


def test_sampled_check_is_seeded(world) -> None:
    X, y = world
    model = fit_hgb(X, y, max_iter=10)
    result = shap_values(model, X.to_numpy(), list(X.columns), check_rows=50, seed=3)
    assert result.checked_rows == 50
    assert result.max_additivity_error < 1e-6


def test_native_categorical_model_is_refused(world) -> None:
    X, y = world
    Xc = X.to_numpy().copy()
    Xc[:, 4] = np.minimum(Xc[:, 4], 3)  # school moves as a category code
    model = HistGradientBoostingClassifier(max_iter=10, categorical_features=[4], random_state=0).fit(Xc, y)
    with pytest.raises(ExplanationError, match="categorical"):
        shap_values(model, Xc, list(X.columns))


def test_wrappers_and_unfitted_models_are_refused(world) -> None:
    X, y = world
    encoder, model = fit_lr(X, y)
    with pytest.raises(ExplanationError, match="Pipeline"):
        shap_values(make_pipeline(encoder, model), X.to_numpy(), list(X.columns))
    with pytest.raises(ExplanationError, match="not fitted"):
        shap_values(HistGradientBoostingClassifier(), X.to_numpy(), list(X.columns))


def test_mismatched_origin_is_refused(world) -> None:
    X, y = world
    model = fit_hgb(X, y, max_iter=5)
    with pytest.raises(ExplanationError, match="origin"):
        shap_values(model, X.to_numpy(), list(X.columns)[:-1])


def test_broken_additivity_raises_instead_of_returning_wrong_values() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=(100, 5))
    margin = 0.5 + values.sum(axis=1)
    assert check_additivity(values, 0.5, margin) < 1e-9
    values[17, 2] += 1e-4  # one value silently off, as with native categorical splits
    with pytest.raises(ExplanationError, match="do not add up") as info:
        check_additivity(values, 0.5, margin)
    assert isinstance(info.value, OnTrackError)
    nan_values = values.copy()
    nan_values[0, 0] = np.nan
    with pytest.raises(ExplanationError):
        check_additivity(nan_values, 0.5, margin, rows=np.array([0]))
