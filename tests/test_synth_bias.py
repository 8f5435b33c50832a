"""A surveillance bias inflates the group's recorded contacts and referrals, not its need."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd

UNCHANGED = ["pupils.csv", "school_census.csv", "attendance.csv", "exclusions.csv",
             "police_notifications.csv"]


def recorded_per_child(world: Path) -> pd.DataFrame:
    """Contacts and referrals per child by ethnicity (children of the pupils table)."""
    pupils = pd.read_csv(world / "pupils.csv", dtype=str, keep_default_na=False)
    care = pd.read_csv(world / "social_care.csv", dtype=str, keep_default_na=False)
    records = care[care["episode_type"].isin(["CONTACT", "REFERRAL"])]
    counts = records.groupby(["pupil_id", "episode_type"]).size().unstack(fill_value=0)
    merged = pupils.set_index("pupil_id").join(counts).fillna({"CONTACT": 0, "REFERRAL": 0})
    return merged.groupby("ethnicity")[["CONTACT", "REFERRAL"]].mean()


def truth_with_ethnicity(world: Path) -> pd.DataFrame:
    """Truth rows with each member's ethnicity."""
    pupils = pd.read_csv(world / "pupils.csv", dtype=str)[["pupil_id", "ethnicity"]]
    return pd.read_csv(world / "truth" / "pupil_truth.csv").merge(pupils, on="pupil_id")


def test_the_bias_changes_only_social_care_records(world_dir: Path, biased_world_dir: Path) -> None:
    for name in UNCHANGED:
        assert filecmp.cmp(world_dir / name, biased_world_dir / name, shallow=False), name
    assert not filecmp.cmp(world_dir / "social_care.csv", biased_world_dir / "social_care.csv", shallow=False)
    assert '"BLAC": 3.0' in (biased_world_dir / "manifest.json").read_text()


def test_group_records_rise_by_the_factor(world_dir: Path, biased_world_dir: Path) -> None:
    ratio = recorded_per_child(biased_world_dir) / recorded_per_child(world_dir)
    assert ratio.loc["BLAC"].between(2.6, 3.4).all(), ratio.loc["BLAC"]
    others = ratio.drop(index="BLAC")
    assert others.stack().between(0.98, 1.02).all(), others


def test_group_true_risk_is_unchanged(world_dir: Path, biased_world_dir: Path) -> None:
    fair, biased = truth_with_ethnicity(world_dir), truth_with_ethnicity(biased_world_dir)
    assert len(fair) == len(biased)
    for frame in (fair, biased):
        assert (frame["ethnicity"] == "BLAC").sum() > 1000
    f, b = (t[t["ethnicity"] == "BLAC"] for t in (fair, biased))
    assert abs(b["p_bayes"].mean() / f["p_bayes"].mean() - 1) < 0.05
    # The same children, the same unrecorded noise: outcomes differ for a handful at most.
    merged = f.merge(b, on="pupil_id", suffixes=("_fair", "_biased"))
    assert (merged["entered_care_fair"] != merged["entered_care_biased"]).sum() <= max(
        3, 0.1 * merged["entered_care_fair"].sum())
    # Outside the group nothing about the outcome moves.
    rest = fair[fair["ethnicity"] != "BLAC"].merge(biased, on=["pupil_id", "cohort", "ethnicity"])
    assert (rest["entered_care_x"] == rest["entered_care_y"]).all()
