"""The audit object: JSON record shape, input checks, current cohort, and audits across cohorts."""

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from ontrack_model.errors import ConfigError, DataContractError
from ontrack_model.fairness import (
    AuditConfig,
    FairnessAudit,
    audit_cohort,
    audit_cohorts,
    audit_pooled,
    plot_trend,
)
from ontrack_model.fairness.config import metric_names
from ontrack_model.fairness.simulate import simulate_cohort
from ontrack_model.ranking import select_at_capacity

RECORD_KEYS = {"attribute", "group", "metric", "value", "ci_low", "ci_high", "ratio", "ratio_ci_low",
               "ratio_ci_high", "reference_group", "suppressed", "flagged"}
FAST = AuditConfig(attributes=("ethnicity", "sex"), intersections=(("ethnicity", "sex"),), resamples=100,
                   seed=3)


@pytest.fixture(scope="module")
def audit() -> FairnessAudit:
    return audit_cohort(simulate_cohort(2000, seed=6, inflation={"BLAC": 1.5}), 150, FAST, cohort=2019)


def test_json_has_one_record_per_attribute_group_metric(audit) -> None:
    data = json.loads(json.dumps(audit.to_json(), allow_nan=False))
    assert {"settings", "flags", "records", "notes", "labelled", "cohort"} <= set(data)
    assert {"k": 150, "band": [0.8, 1.25], "threshold": 10, "resamples": 100, "seed": 3}.items() \
        <= data["settings"].items()
    records = data["records"]
    assert all(set(r) == RECORD_KEYS for r in records)
    keys = [(r["attribute"], r["group"], r["metric"]) for r in records]
    assert len(keys) == len(set(keys))
    assert {r["attribute"] for r in records} == {"ethnicity", "sex", "ethnicity × sex"}
    n_groups = {a: len({r["group"] for r in records if r["attribute"] == a}) for a in audit.attributes}
    assert len(records) == sum(n_groups.values()) * len(metric_names(True))
    for r in records:
        assert isinstance(r["suppressed"], bool) and isinstance(r["flagged"], bool)
        if r["flagged"]:
            assert not r["suppressed"] and r["ratio_ci_low"] is not None
    assert data["flags"] and all(f["direction"] in {"above", "below"} for f in data["flags"])
    assert len(data["flags"]) == sum(r["flagged"] for r in records)


def test_json_round_trip(audit) -> None:
    again = FairnessAudit.from_json(json.loads(json.dumps(audit.to_json())))
    assert again.to_json() == audit.to_json()
    table = audit.table("sex")
    assert set(table["metric"]) == set(metric_names(True))
    with pytest.raises(KeyError, match="borough"):
        audit.table("borough")


def test_current_cohort_reports_selection_only() -> None:
    current = audit_cohort(simulate_cohort(1500, seed=2, labelled=False), 100, FAST)
    assert not current.labelled
    assert set(current.results["metric"]) == set(metric_names(False))
    assert not {"precision", "recall", "fpr", "base_rate"} & set(current.results["metric"])
    assert any("outcomes are not known" in n for n in current.notes)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns="sex"), r"missing column\(s\) \['sex'\]"),
        (lambda f: pd.concat([f, f.iloc[[0]]]), "pupil_id must be unique.*P000000"),
        (lambda f: f.assign(probability=f["probability"].where(f.index != 3, 1.5)),
         "probability must be a number between 0 and 1.*P000003"),
        (lambda f: f.assign(label=f["label"].astype("Int64").where(f.index != 4, pd.NA)),
         "label must be 0 or 1.*P000004"),
        (lambda f: f.assign(family_id=f["family_id"].where(f.index != 5, None)), "family_id.*P000005"),
    ],
)
def test_bad_input_names_column_rows_and_rule(change, message) -> None:
    frame = change(simulate_cohort(200, seed=1))
    with pytest.raises(DataContractError, match=message):
        audit_cohort(frame, 20, FAST)


def test_bad_capacity_and_settings_are_refused() -> None:
    with pytest.raises(DataContractError, match="capacity k"):
        audit_cohort(simulate_cohort(100, seed=1), 0, FAST)
    with pytest.raises(ConfigError, match="band"):
        AuditConfig(band=(1.2, 0.8))
    with pytest.raises(ConfigError, match="not audited"):
        AuditConfig(attributes=("sex",), intersections=(), reference_groups={"ethnicity": "WHIT"})


def test_audits_across_cohorts_share_references_and_stack_into_a_trend() -> None:
    frames = {2018: simulate_cohort(1500, seed=1, inflation={"BLAC": 1.5}),
              2019: simulate_cohort(1500, seed=2, inflation={"BLAC": 1.5}),
              2024: simulate_cohort(1500, seed=3, inflation={"BLAC": 1.5}, labelled=False)}
    config = AuditConfig(attributes=("ethnicity", "sex"), intersections=(), resamples=100)
    result = audit_cohorts(frames, 120, config)
    assert set(result["audits"]) == {2018, 2019, 2024}
    assert result["audits"][2019].labelled and not result["audits"][2024].labelled
    trend = result["trend"]
    assert sorted(trend["cohort"].unique()) == [2018, 2019, 2024]
    refs = trend[trend["attribute"] == "ethnicity"]["reference_group"].dropna().unique()
    assert list(refs) == ["WHIT"]
    years_flagged = {f["cohort"] for f in result["flags"] if f["group"] == "BLAC"}
    # Each year, the labelled years pooled, and the current cohort's selection rate too.
    assert years_flagged == {2018, 2019, 2024, "pooled"}
    assert result["pooled"].settings["cohorts"] == [2018, 2019]
    json.dumps(result["json"], allow_nan=False)
    fig = plot_trend(trend, "ethnicity", "selection_rate")
    assert isinstance(fig, Figure)
    lines = fig.axes[0].get_legend_handles_labels()[1]
    assert "BLAC" in lines and "WHIT" in lines
    blac = trend[(trend["group"] == "BLAC") & (trend["metric"] == "selection_rate")]
    assert (blac["ratio"] > 1.25).all() and np.isfinite(blac["ratio_ci_low"]).all()


def test_audit_cohorts_needs_a_capacity_for_every_cohort() -> None:
    with pytest.raises(ConfigError, match="2019"):
        audit_cohorts({2019: simulate_cohort(100, seed=1)}, {2018: 10}, FAST)


def test_pooled_audit_counts_each_cohorts_own_list() -> None:
    # The two cohorts reuse family ids (simulate_cohort numbers families from 0): pooling must keep
    # them apart, and each cohort must keep its own top-k list.
    frames = {2018: simulate_cohort(1500, seed=1, inflation={"BLAC": 1.5}),
              2019: simulate_cohort(1800, seed=2, inflation={"BLAC": 1.5})}
    assert set(frames[2018]["family_id"]) & set(frames[2019]["family_id"])
    config = AuditConfig(attributes=("ethnicity",), intersections=(), resamples=200, seed=3)
    singles = {y: audit_cohort(f, 120, config, cohort=y) for y, f in frames.items()}
    pooled = audit_pooled(frames, 120, config)

    def value(audit, group: str, metric: str) -> float:
        rows = audit.results
        return float(rows[(rows["group"] == group) & (rows["metric"] == metric)]["value"].iloc[0])

    for group in ("BLAC", "WHIT"):
        n = {y: value(a, group, "group_size") for y, a in singles.items()}
        selected = sum(value(a, group, "selection_rate") * n[y] for y, a in singles.items())
        assert value(pooled, group, "group_size") == sum(n.values())
        assert value(pooled, group, "selection_rate") == pytest.approx(selected / sum(n.values()))
    families_listed = sum(f.loc[select_at_capacity(f, 120), "family_id"].nunique() for f in frames.values())
    assert families_listed == 240

    def width(audit) -> float:
        rows = audit.results
        row = rows[(rows["group"] == "BLAC") & (rows["metric"] == "selection_rate")].iloc[0]
        return row["ratio_ci_high"] - row["ratio_ci_low"]

    assert width(pooled) < min(width(a) for a in singles.values())
    assert pooled.cohort is None and pooled.settings["cohorts"] == [2018, 2019]
    assert "pooled" in pooled.notes[0]


def test_pooling_needs_two_cohorts() -> None:
    with pytest.raises(ConfigError, match="two or more"):
        audit_pooled({2019: simulate_cohort(300, seed=1)}, 10, FAST)
