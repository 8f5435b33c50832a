"""Disparity ratios, reference groups and flags: inflated scores are flagged, fair scores are not."""

import numpy as np
import pytest

from ontrack_model.errors import ConfigError
from ontrack_model.fairness import AuditConfig, audit_cohort
from ontrack_model.fairness.disparities import choose_reference, flag_direction, ratios
from ontrack_model.fairness.simulate import simulate_cohort

CONFIG = AuditConfig(attributes=("ethnicity", "sex"), intersections=(), resamples=400, seed=1)


@pytest.fixture(scope="module")
def inflated():
    # BLAC children's scores are raised by 1.5 log-odds; their need (label) is not
    frame = simulate_cohort(4000, seed=21, inflation={"BLAC": 1.5})
    return audit_cohort(frame, 250, CONFIG)


@pytest.fixture(scope="module")
def fair():
    return audit_cohort(simulate_cohort(4000, seed=21), 250, CONFIG)


def test_group_selected_beyond_its_need_is_flagged(inflated) -> None:
    rows = inflated.table("ethnicity").set_index(["group", "metric"])
    for metric in ("selection_rate", "fpr", "selection_to_need"):
        row = rows.loc[("BLAC", metric)]
        assert row["flagged"], metric
        assert row["ratio_ci_low"] > CONFIG.band[1] > 1, metric  # interval excludes 1 and the band
    flagged = {(f["attribute"], f["group"], f["metric"]) for f in inflated.flags}
    assert ("ethnicity", "BLAC", "selection_rate") in flagged
    assert ("ethnicity", "BLAC", "fpr") in flagged
    assert all(f["direction"] in {"above", "below"} for f in inflated.flags)
    # need is not inflated: the base-rate ratio is not a flaggable metric and stays near parity
    need = rows.loc[("BLAC", "base_rate")]
    assert need["ratio_ci_low"] < 1 < need["ratio_ci_high"] and not need["flagged"]


def test_nothing_flagged_for_the_attribute_without_inflation(fair) -> None:
    assert [f for f in fair.flags if f["attribute"] == "ethnicity"] == []
    blac = fair.table("ethnicity").set_index(["group", "metric"]).loc[("BLAC", "selection_rate")]
    assert blac["ratio_ci_low"] < 1 < blac["ratio_ci_high"]


def test_default_reference_is_the_largest_group(fair) -> None:
    assert set(fair.table("ethnicity")["reference_group"].dropna()) == {"WHIT"}


def test_small_requested_reference_is_replaced_with_a_note() -> None:
    frame = simulate_cohort(1500, seed=2)
    config = AuditConfig(attributes=("ethnicity",), intersections=(), resamples=0,
                         reference_groups={"ethnicity": "CHIN"}, min_reference_size=100)
    audit = audit_cohort(frame, 100, config)
    assert set(audit.table("ethnicity")["reference_group"].dropna()) == {"WHIT"}
    assert any("CHIN" in n and "fewer than 100" in n for n in audit.notes)


def test_unknown_reference_group_is_a_config_error() -> None:
    config = AuditConfig(attributes=("ethnicity",), intersections=(), resamples=0,
                         reference_groups={"ethnicity": "XXXX"})
    with pytest.raises(ConfigError, match="XXXX.*ethnicity"):
        audit_cohort(simulate_cohort(300, seed=1), 20, config)


def test_no_ratios_when_every_group_is_too_small() -> None:
    sizes = np.array([30.0, 40.0])
    ref, note = choose_reference("sex", ["F", "M"], sizes, None, min_size=50)
    assert ref is None and "no group has at least 50" in note
    audit = audit_cohort(simulate_cohort(80, seed=1), 10,
                         AuditConfig(attributes=("sex",), intersections=(), resamples=0, suppress_below=0))
    assert audit.table("sex")["ratio"].isna().all()
    assert any("no disparity ratios" in n for n in audit.notes)


def test_zero_over_zero_is_undefined_not_parity() -> None:
    values = np.array([[0.0, 0.0, 0.2], [0.1, 0.0, 0.2]])
    out = ratios(values, ref=1)
    assert np.isnan(out).all()  # the reference is 0 in both rows: every ratio is undefined
    assert ratios(np.array([0.2, 0.1]), ref=1) == pytest.approx([2.0, 1.0])


def test_flag_needs_the_whole_interval_outside_the_band() -> None:
    band = (0.8, 1.25)
    assert flag_direction(1.3, 2.0, band) == "above"
    assert flag_direction(0.5, 0.79, band) == "below"
    assert flag_direction(1.1, 2.0, band) is None  # straddles the upper edge
    assert flag_direction(0.5, 1.5, band) is None
    assert flag_direction(float("nan"), 2.0, band) is None
