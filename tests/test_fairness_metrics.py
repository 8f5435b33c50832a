"""Group metrics at capacity agree with a hand computation and with fairlearn's own MetricFrame."""

import math

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate

from ontrack_model.fairness import AuditConfig, audit_cohort
from ontrack_model.fairness.counts import cohort_counts, design, metrics_from_counts
from ontrack_model.fairness.inputs import prepare
from ontrack_model.fairness.metrics import group_metrics
from ontrack_model.fairness.simulate import simulate_cohort

# Ten children in eight families; k = 3 families. Family scores: f1 0.9, f2 0.8, f3 0.7, then the
# rest, so the list is f1, f2, f3: children p1, p2 (sibling in f1), p3, p9 (sibling in f2) and p4.
HAND = pd.DataFrame(
    [
        # pupil, family, score, probability, label, sex
        ("p1", "f1", 0.90, 0.50, 1, "F"),
        ("p2", "f1", 0.20, 0.10, 0, "M"),
        ("p3", "f2", 0.80, 0.40, 0, "F"),
        ("p4", "f3", 0.70, 0.30, 1, "M"),
        ("p5", "f4", 0.60, 0.30, 1, "F"),
        ("p6", "f5", 0.50, 0.20, 1, "M"),
        ("p7", "f6", 0.40, 0.20, 0, "F"),
        ("p8", "f7", 0.30, 0.10, 1, "M"),
        ("p9", "f2", 0.15, 0.10, 0, "F"),
        ("p10", "f8", 0.05, 0.05, 0, "M"),
    ],
    columns=["pupil_id", "family_id", "score", "probability", "label", "sex"],
)
HAND_CONFIG = AuditConfig(attributes=("sex",), intersections=(), resamples=0, suppress_below=0,
                          min_reference_size=1)

# By hand. F: p1 (listed, 1), p3 (listed, 0), p9 (listed, 0), p5 (not, 1), p7 (not, 0)
#   -> n 5, pos 2, listed 3, TP 1, FP 2, FN 1, TN 1.
# M: p2 (listed, 0), p4 (listed, 1), p6 (not, 1), p8 (not, 1), p10 (not, 0)
#   -> n 5, pos 3, listed 2, TP 1, FP 1, FN 2, TN 1. Five children listed in all.
EXPECTED = {
    "F": {"group_size": 5, "base_rate": 2 / 5, "selection_rate": 3 / 5, "list_share": 3 / 5,
          "precision": 1 / 3, "recall": 1 / 2, "fpr": 2 / 3, "fnr": 1 / 2, "fdr": 2 / 3, "for": 1 / 2,
          "mean_predicted": (0.5 + 0.4 + 0.3 + 0.2 + 0.1) / 5},
    "M": {"group_size": 5, "base_rate": 3 / 5, "selection_rate": 2 / 5, "list_share": 2 / 5,
          "precision": 1 / 2, "recall": 1 / 3, "fpr": 1 / 2, "fnr": 2 / 3, "fdr": 1 / 2, "for": 2 / 3,
          "mean_predicted": (0.1 + 0.3 + 0.2 + 0.1 + 0.05) / 5},
}
for _g in EXPECTED.values():
    _g["selection_to_need"] = _g["selection_rate"] / _g["base_rate"]
    _g["predicted_to_observed"] = _g["mean_predicted"] / _g["base_rate"]


def test_group_metrics_match_hand_computation() -> None:
    table = group_metrics(prepare(HAND, 3, HAND_CONFIG), "sex")
    for group, expected in EXPECTED.items():
        for metric, value in expected.items():
            assert table.loc[group, metric] == pytest.approx(value), (group, metric)


def test_audit_records_carry_hand_values_and_ratios_to_the_reference() -> None:
    audit = audit_cohort(HAND, 3, HAND_CONFIG)
    rows = audit.table("sex").set_index(["group", "metric"])
    # both groups have 5 children; the tie goes to the first label, F
    assert set(rows["reference_group"].dropna()) == {"F"}
    for metric, value in EXPECTED["M"].items():
        assert rows.loc[("M", metric), "value"] == pytest.approx(value)
        if metric != "group_size":
            assert rows.loc[("M", metric), "ratio"] == pytest.approx(value / EXPECTED["F"][metric])
    assert not rows["suppressed"].any()


def test_group_metrics_agree_with_fairlearn_metricframe_directly() -> None:
    frame = simulate_cohort(1200, seed=5)
    prepared = prepare(frame, 80, AuditConfig(resamples=0))
    ours = group_metrics(prepared, "ethnicity")
    # fairlearn's own functions on the same selection, computed here independently of the package
    fam = frame.groupby("family_id", as_index=False)["score"].max()
    chosen = set(fam.sort_values(["score", "family_id"], ascending=[False, True])["family_id"][:80])
    y_pred = frame["family_id"].isin(chosen).astype(int)
    mf = MetricFrame(
        metrics={"selection_rate": selection_rate, "fpr": false_positive_rate, "fnr": false_negative_rate},
        y_true=frame["label"].astype(int), y_pred=y_pred, sensitive_features=frame["ethnicity"],
    )
    theirs = mf.by_group
    for metric in ("selection_rate", "fpr", "fnr"):
        np.testing.assert_allclose(ours.loc[theirs.index, metric], theirs[metric].astype(float))


def test_count_engine_reproduces_metricframe_for_every_attribute() -> None:
    frame = simulate_cohort(1500, seed=11, inflation={"ASIA": 0.8})
    prepared = prepare(frame, 120, AuditConfig(resamples=0))
    d = design(prepared)
    counts = cohort_counts(d, prepared)
    engine = metrics_from_counts({k: v[None, :] for k, v in counts.items()}, labelled=True)
    for spec in prepared.groups:
        table = group_metrics(prepared, spec.attribute).reindex(spec.labels)
        cols = d.columns(spec.attribute)
        for metric in table.columns:
            np.testing.assert_allclose(engine[metric][0, cols], table[metric].to_numpy(float),
                                       equal_nan=True, err_msg=f"{spec.attribute} {metric}")


def test_undefined_rates_are_missing_not_zero() -> None:
    # every F child has the outcome: F has no negatives, so its false positive rate is undefined
    frame = HAND.assign(label=np.where(HAND["sex"] == "F", 1, HAND["label"]))
    table = group_metrics(prepare(frame, 3, HAND_CONFIG), "sex")
    assert math.isnan(table.loc["F", "fpr"])
    assert table.loc["M", "fpr"] == pytest.approx(1 / 2)
    record = audit_cohort(frame, 3, HAND_CONFIG).table("sex").set_index(["group", "metric"])
    assert math.isnan(record.loc[("F", "fpr"), "value"])
    assert math.isnan(record.loc[("M", "fpr"), "ratio"])  # x / undefined is undefined, not infinite
