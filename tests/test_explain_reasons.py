"""Grouping SHAP values into reasons, and the plain-language reasons given for each child."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from test_explain_data import PROTECTED, SPECS, fit_hgb, fit_lr, known_world, with_protected

from ontrack_model.explain import (
    ExplanationError,
    ShapResult,
    grouped_contributions,
    reasons_for_rows,
    shap_values,
    transformed_origin,
)
from ontrack_model.feature_spec import FeatureSpec


@pytest.fixture(scope="module")
def hgb_case():
    X, y = known_world(n=3000)
    model = fit_hgb(X, y)
    return X, shap_values(model, X.to_numpy(), list(X.columns))


@pytest.fixture(scope="module")
def lr_case():
    X, y = known_world(n=3000)
    encoder, model = fit_lr(X, y)
    Z = encoder.transform(X.to_numpy())
    return X, shap_values(model, Z, transformed_origin(encoder, list(X.columns)), background=Z)


def _child_with_only_cp_plan(X: pd.DataFrame) -> pd.DataFrame:
    """A child whose only risk factor is a current child-protection plan; everything else typical."""
    typical = X.median().to_frame().T
    typical["cp_plan_current"] = 1.0
    typical["cp_plans_ever"] = 1.0
    typical["suspensions_12m"] = 0.0
    typical["attendance_12m"] = 0.97
    typical["school_moves"] = 0.0
    return typical[X.columns]


@pytest.mark.parametrize("case", ["hgb_case", "lr_case"])
def test_group_totals_plus_base_equal_the_margin(case, request) -> None:
    _, result = request.getfixturevalue(case)
    grouped = grouped_contributions(result, SPECS)
    assert list(grouped.columns) == list(dict.fromkeys(s.group for s in SPECS.values()))
    np.testing.assert_allclose(result.base_value + grouped.sum(axis=1), result.margin, atol=1e-6)
    # The two child-protection columns sum into the one "Child protection" reason.
    cp = [result.feature_names.index(c) for c in ("cp_plan_current", "cp_plans_ever")]
    np.testing.assert_allclose(grouped["Child protection"], result.values[:, cp].sum(axis=1))


def test_unknown_column_is_refused(hgb_case) -> None:
    _, result = hgb_case
    partial = {k: v for k, v in SPECS.items() if k != "noise_b1"}
    with pytest.raises(ExplanationError, match="feature dictionary"):
        grouped_contributions(result, partial)


@pytest.mark.parametrize("fit", ["hgb", "lr"])
def test_child_protection_only_child_gets_it_as_first_raising_reason(fit) -> None:
    X, y = known_world(n=3000)
    child = _child_with_only_cp_plan(X)
    if fit == "hgb":
        model = fit_hgb(X, y)
        result = shap_values(model, child.to_numpy(), list(X.columns))
    else:
        encoder, model = fit_lr(X, y)
        Z = encoder.transform(X.to_numpy())
        origin = transformed_origin(encoder, list(X.columns))
        result = shap_values(model, encoder.transform(child.to_numpy()), origin, background=Z)
    [reasons] = reasons_for_rows(result, child, SPECS, top=3)
    raising = [r for r in reasons if r["direction"] == "raises"]
    assert raising[0]["group"] == "Child protection"
    assert raising[0]["text"].lower().startswith(SPECS["cp_plan_current"].fact.lower())
    assert raising[0]["text"].endswith("(raises the score)")


def test_reasons_are_ordered_signed_limited_and_add_up(hgb_case) -> None:
    X, result = hgb_case
    grouped = grouped_contributions(result, SPECS)
    top = reasons_for_rows(result, X, SPECS, top=2)
    every = reasons_for_rows(result, X, SPECS, top=None, min_contribution=0.0)
    for row in range(0, len(X), 97):
        raises = [r for r in top[row] if r["direction"] == "raises"]
        lowers = [r for r in top[row] if r["direction"] == "lowers"]
        assert top[row] == raises + lowers  # raising reasons first
        assert len(raises) <= 2 and len(lowers) <= 2
        assert all(r["contribution"] > 0 for r in raises) and all(r["contribution"] < 0 for r in lowers)
        strength = [abs(r["contribution"]) for r in raises], [abs(r["contribution"]) for r in lowers]
        assert all(list(s) == sorted(s, reverse=True) for s in strength)
        # The strongest raising reason is the group with the largest positive total.
        if raises:
            assert raises[0]["group"] == grouped.iloc[row].idxmax()
        # All reasons together account for the whole difference from the base value.
        total = sum(r["contribution"] for r in every[row])
        assert total == pytest.approx(result.margin[row] - result.base_value, abs=1e-6)


def test_all_reasons_drop_negligible_contributions(hgb_case) -> None:
    X, result = hgb_case
    every = reasons_for_rows(result, X, SPECS, top=None, min_contribution=0.05)
    assert all(abs(r["contribution"]) >= 0.05 for reasons in every for r in reasons)
    grouped = grouped_contributions(result, SPECS).abs()
    assert [len(r) for r in every] == list((grouped >= 0.05).sum(axis=1))


@pytest.mark.parametrize("case", ["hgb_case", "lr_case"])
def test_texts_are_plain_language_and_never_protected_characteristics(case, request) -> None:
    X, result = request.getfixturevalue(case)
    reasons = reasons_for_rows(result, with_protected(X), SPECS, top=None)
    texts = [r["text"] for rs in reasons for r in rs]
    assert len(texts) > len(X)
    forbidden = set(SPECS) | set(PROTECTED) | {str(v).lower() for v in PROTECTED.values()}
    for text in set(texts):
        assert "_" not in text and "{" not in text
        words = set(re.findall(r"[a-z]+", text.lower()))
        assert not words & forbidden, text
    assert {r["group"] for rs in reasons for r in rs} <= {s.group for s in SPECS.values()}


def test_fact_comes_from_the_strongest_feature_with_a_statement() -> None:
    specs = {
        "a": FeatureSpec("a", "Social care", "d", "flag", "ever", "had a referral"),  # no fact_zero
        "b": FeatureSpec("b", "Social care", "d", "count", "ever", "{value} assessments so far"),
        "c": FeatureSpec("c", "Other", "d", "count", "ever", "{value} moves"),
    }
    values = np.array([[0.9, 0.3, -0.2], [0.1, 0.8, 0.0], [0.5, 0.0, 0.4]])
    result = ShapResult(values, -3.0, -3.0 + values.sum(axis=1), ["a", "b", "c"])
    X_raw = pd.DataFrame({"a": [0.0, 1.0, 0.0], "b": [4.0, 2.0, 0.0], "c": [1.0, 0.0, 2.0]})
    reasons = reasons_for_rows(result, X_raw, specs, top=None)
    # Row 0: "a" is strongest but has nothing to say for 0, so "b" states the fact.
    assert reasons[0][0]["text"] == "4 assessments so far (raises the score)"
    assert reasons[0][1]["text"] == "1 moves (lowers the score)"
    # Row 1: "b" is strongest for this child.
    assert reasons[1][0]["text"] == "2 assessments so far (raises the score)"
    # Row 2: nothing recorded in the group, and the dictionary says nothing for zero: say so.
    assert reasons[2][0] == {
        "group": "Social care",
        "text": "Social care: none recorded (raises the score)",
        "direction": "raises",
        "contribution": pytest.approx(0.5),
    }


def test_fact_pushes_the_same_way_as_the_reason() -> None:
    specs = {
        name: FeatureSpec(name, "Social care", "d", "count", "ever", f"{{value}} {name}s so far")
        for name in ("referral", "assessment", "plan")
    }
    # The group raises the score (+0.7 + 0.6 - 0.9 = +0.4); "plan" has the largest |SHAP| but
    # lowers it, so the reason states the fact that raises it most.
    values = np.array([[0.7, 0.6, -0.9]])
    result = ShapResult(values, -3.0, -3.0 + values.sum(axis=1), list(specs))
    X_raw = pd.DataFrame({"referral": [2.0], "assessment": [1.0], "plan": [3.0]})
    [[reason]] = reasons_for_rows(result, X_raw, specs, top=None)
    assert reason["text"] == "2 referrals so far (raises the score)"
    assert reason["contribution"] == pytest.approx(0.4)


def test_missing_values_are_stated_from_the_dictionary(hgb_case) -> None:
    X, result = hgb_case
    reasons = reasons_for_rows(result, X, SPECS, top=None)
    missing_rows = np.flatnonzero(X["attendance_12m"].isna().to_numpy())
    texts = [r["text"] for row in missing_rows for r in reasons[row] if r["group"] == "School attendance"]
    assert texts and all(t.lower().startswith(SPECS["attendance_12m"].fact_missing) for t in texts)


def test_misaligned_matrix_is_refused(hgb_case) -> None:
    X, result = hgb_case
    with pytest.raises(ExplanationError, match="rows"):
        reasons_for_rows(result, X.iloc[:10], SPECS)
    with pytest.raises(ExplanationError, match="lacks"):
        reasons_for_rows(result, X.drop(columns=["noise_a1"]), SPECS)
