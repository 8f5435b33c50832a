"""A surveillance bias inflates the group's recorded contacts and referrals, not its need."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

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


@pytest.mark.slow
def test_a_model_blind_to_ethnicity_over_selects_the_group(tmp_path: Path) -> None:
    """Train on the records (never ethnicity) of a world with BLAC=3; at top-100 families a year the
    model picks more BLAC families than ranking by true risk (p_bayes) does."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    from ontrack_model.synth.config import SynthConfig
    from ontrack_model.synth.outcome import TERMS, record_features
    from ontrack_model.synth.population import ETHNICITIES
    from ontrack_model.synth.world import simulate

    cfg = SynthConfig.build(seed=5, first_year=2012, last_year=2026, scale="tri-borough",
                            surveillance_bias={"BLAC": 3.0}, file_format="csv")
    world = simulate(cfg, lambda stage, fraction: None)
    pop, members = world.population, world.outcomes.members
    # Raw recorded counts (factor 1): what an analyst's features see.
    feats = record_features(pop, members, world.schooling, world.history, world.attendance, world.census,
                            world.exclusions, world.police, np.ones(pop.n_children))
    x = np.column_stack([feats[t.name] for t in TERMS if t.name in feats])
    train = (members["cohort"] <= 2017).to_numpy()
    model = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, random_state=0)
    score = model.fit(x[train], members["entered_care"].to_numpy()[train]).predict_proba(x)[:, 1]
    family = pop.child_family[members["child"].to_numpy()]
    black = pop.fam_ethnicity[family] == ETHNICITIES.index("BLAC")

    def top_share(values: np.ndarray) -> float:
        shares = []
        for cohort in range(2018, 2027):
            sel = (members["cohort"] == cohort).to_numpy()
            fam = pd.DataFrame({"f": family[sel], "s": values[sel], "b": black[sel]}).groupby("f").max()
            shares.append(fam.nlargest(100, "s")["b"].mean())
        return float(np.mean(shares))

    warranted, selected = top_share(members["p_bayes"].to_numpy()), top_share(score)
    assert selected > 1.2 * warranted, (selected, warranted)
