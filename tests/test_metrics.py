"""Capacity metrics: family-level precision/recall at k, lift, ECE — checked by hand."""

import numpy as np
import pandas as pd
import pytest

from ontrack_model.metrics import (
    calibration_table,
    curve_at_k,
    evaluate_at_capacity,
    expected_calibration_error,
    precision_recall_at_k,
)


@pytest.fixture
def children() -> pd.DataFrame:
    # Families A..F; A has two children (one positive). Scores rank A, B, C, D, E, F by family max.
    return pd.DataFrame(
        {
            "family_id": ["A", "A", "B", "C", "D", "E", "F"],
            "pupil_id": ["a1", "a2", "b", "c", "d", "e", "f"],
            "score": [0.9, 0.1, 0.8, 0.7, 0.6, 0.5, 0.4],
            "label": [0, 1, 0, 1, 0, 0, 1],
            "probability": [0.5, 0.1, 0.4, 0.3, 0.2, 0.1, 0.1],
        }
    )


def test_precision_and_recall_count_families(children: pd.DataFrame) -> None:
    # Top 2 families: A (positive via a2) and B (negative) -> precision 1/2; 3 positive families.
    p, r = precision_recall_at_k(children, 2)
    assert p == pytest.approx(0.5)
    assert r == pytest.approx(1 / 3)
    p3, r3 = precision_recall_at_k(children, 3)
    assert p3 == pytest.approx(2 / 3)
    assert r3 == pytest.approx(2 / 3)


def test_lift_is_precision_over_family_base_rate(children: pd.DataFrame) -> None:
    m = evaluate_at_capacity(children, 3)
    assert m.base_rate == pytest.approx(3 / 6)
    assert m.lift_at_k == pytest.approx((2 / 3) / (3 / 6))
    assert m.n_families == 6 and m.n_positive_families == 3
    assert m.k_share == pytest.approx(0.5)


def test_ties_are_broken_by_family_id() -> None:
    df = pd.DataFrame({"family_id": ["B", "A"], "pupil_id": ["b", "a"], "score": [1.0, 1.0], "label": [0, 1]})
    p, _ = precision_recall_at_k(df, 1)
    assert p == 1.0  # family A wins the tie, and A is positive


def test_curve_matches_pointwise(children: pd.DataFrame) -> None:
    curve = curve_at_k(children, [1, 2, 3, 6])
    for _, row in curve.iterrows():
        p, r = precision_recall_at_k(children, int(row["k"]))
        assert row["precision"] == pytest.approx(p)
        assert row["recall"] == pytest.approx(r)


def test_ece_zero_when_perfectly_calibrated_in_bins() -> None:
    p = np.repeat([0.1, 0.5], 10)
    y = np.concatenate([[1] + [0] * 9, [1] * 5 + [0] * 5])
    assert expected_calibration_error(y, p, n_bins=2) == pytest.approx(0.0)
    assert expected_calibration_error(y, np.full(20, 0.9), n_bins=2) > 0.5
    table = calibration_table(y, p, n_bins=2)
    assert table["observed_rate"].tolist() == pytest.approx([0.1, 0.5])


def test_no_positives_gives_nan_auc_not_crash() -> None:
    df = pd.DataFrame({"family_id": ["A", "B"], "pupil_id": ["a", "b"], "score": [1.0, 0.0], "label": [0, 0]})
    m = evaluate_at_capacity(df, 1, prob_col=None)
    assert np.isnan(m.auc)
    assert m.precision_at_k == 0.0
