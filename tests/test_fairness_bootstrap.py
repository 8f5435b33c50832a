"""The family bootstrap: recomputed top-k selection, agreement with a materialised resample, seeding."""

import numpy as np
import pandas as pd

from ontrack_model.fairness import AuditConfig, audit_cohort
from ontrack_model.fairness.bootstrap import family_weights, percentile_interval, selected_weights
from ontrack_model.fairness.counts import design, metrics_from_counts, weighted_counts
from ontrack_model.fairness.inputs import prepare
from ontrack_model.fairness.metrics import group_metrics
from ontrack_model.fairness.simulate import simulate_cohort
from ontrack_model.ranking import family_scores, select_at_capacity

CONFIG = AuditConfig(attributes=("ethnicity", "sex", "fsm"), intersections=(("ethnicity", "sex"),),
                     resamples=0)


def test_unit_weights_select_the_same_families_as_the_ranking() -> None:
    frame = simulate_cohort(800, seed=2)
    prepared = prepare(frame, 60, CONFIG)
    sel = selected_weights(np.ones((1, prepared.n_families)), 60)[0]
    by_child = sel[prepared.family_index] > 0
    np.testing.assert_array_equal(by_child, select_at_capacity(frame, 60).to_numpy())


def test_each_resample_lists_exactly_k_copies_from_the_top() -> None:
    rng = np.random.default_rng(0)
    w = family_weights(300, 50, rng)
    assert (w.sum(axis=1) == 300).all()
    s = selected_weights(w, 40)
    assert np.allclose(s.sum(axis=1), 40)
    assert ((s >= 0) & (s <= w)).all()
    # a family is cut short only at the boundary: after it, nothing more is selected
    for row_w, row_s in zip(w, s, strict=True):
        short = np.flatnonzero(row_s < row_w)
        if len(short):
            assert row_s[short[0] + 1:].sum() == 0


def _materialise(frame: pd.DataFrame, order: np.ndarray, weights: np.ndarray) -> pd.DataFrame:
    """The resampled cohort as rows: each drawn copy of a family becomes its own family."""
    members = frame.groupby("family_id").indices
    rows, copy = [], []
    for fam, w in zip(order, weights.astype(int), strict=True):
        for c in range(w):
            rows.extend(members[fam])
            copy.extend([f"#{c}"] * len(members[fam]))
    out = frame.iloc[rows].reset_index(drop=True)
    return out.assign(family_id=out["family_id"] + copy, pupil_id=out["pupil_id"] + copy)


def test_vectorised_resample_equals_metricframe_on_the_materialised_resample() -> None:
    frame = simulate_cohort(400, seed=8, inflation={"BLAC": 1.0})
    k = 30
    prepared = prepare(frame, k, CONFIG)
    d = design(prepared)
    order = family_scores(frame)["family_id"].to_numpy()
    w = family_weights(prepared.n_families, 3, np.random.default_rng(4))
    engine = metrics_from_counts(weighted_counts(d, w, selected_weights(w, k)), labelled=True)
    for b in range(3):
        resampled = prepare(_materialise(frame, order, w[b]), k, CONFIG)
        for spec in prepared.groups:
            expected = group_metrics(resampled, spec.attribute).reindex(spec.labels)
            cols = d.columns(spec.attribute)
            for metric in expected.columns:
                np.testing.assert_allclose(engine[metric][b, cols], expected[metric].to_numpy(float),
                                           equal_nan=True, err_msg=f"resample {b} {spec.attribute} {metric}")


def test_same_seed_same_audit_and_another_seed_other_intervals() -> None:
    frame = simulate_cohort(1500, seed=3)
    config = AuditConfig(attributes=("ethnicity",), intersections=(), resamples=200, seed=7)
    a = audit_cohort(frame, 100, config).results
    b = audit_cohort(frame, 100, config).results
    pd.testing.assert_frame_equal(a, b)
    c = audit_cohort(frame, 100, AuditConfig(attributes=("ethnicity",), intersections=(), resamples=200,
                                             seed=8)).results
    pd.testing.assert_series_equal(a["value"], c["value"])
    assert not np.allclose(a["ci_low"].to_numpy(float), c["ci_low"].to_numpy(float), equal_nan=True)


def test_intervals_bracket_the_estimate_for_a_large_group() -> None:
    frame = simulate_cohort(3000, seed=4)
    audit = audit_cohort(frame, 200, AuditConfig(attributes=("sex",), intersections=(), resamples=300))
    rows = audit.table("sex")
    shown = rows[~rows["suppressed"] & rows["ci_low"].notna()]
    assert len(shown) > 10
    assert (shown["ci_low"] <= shown["value"] + 1e-12).all()
    assert (shown["value"] <= shown["ci_high"] + 1e-12).all()
    assert (shown["ci_low"] < shown["ci_high"]).any()


def test_interval_is_missing_when_too_few_resamples_define_the_value() -> None:
    samples = np.column_stack([np.linspace(0, 1, 100), np.where(np.arange(100) < 10, np.nan, 0.5)])
    low, high = percentile_interval(samples, 0.95)
    assert 0 < low[0] < 0.05 and 0.95 < high[0] < 1
    assert np.isnan(low[1]) and np.isnan(high[1])  # 10% undefined: no interval


def test_pooled_cohorts_are_resampled_and_listed_separately() -> None:
    rng = np.random.default_rng(0)
    starts = np.array([0, 5])  # cohort A: families 0-4, cohort B: families 5-8
    w = family_weights(9, 400, rng, starts)
    assert (w[:, :5].sum(axis=1) == 5).all() and (w[:, 5:].sum(axis=1) == 4).all()
    chosen = selected_weights(w, 2, starts)
    assert (chosen[:, :5].sum(axis=1) == 2).all() and (chosen[:, 5:].sum(axis=1) == 2).all()
    assert (chosen <= w).all()
    # Unit weights list the top 2 of each cohort.
    ones = selected_weights(np.ones((1, 9)), 2, starts)
    np.testing.assert_array_equal(ones[0], [1, 1, 0, 0, 0, 1, 1, 0, 0])
