"""A surveillance bias inflates the group's social-care records, not its need or its outcomes."""

from __future__ import annotations

import filecmp
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

UNCHANGED = ["pupils.csv", "school_census.csv", "attendance.csv", "exclusions.csv",
             "police_notifications.csv"]


def recorded_per_child(world: Path) -> pd.DataFrame:
    """Social-care records of each kind per child, by ethnicity (children of the pupils table)."""
    pupils = pd.read_csv(world / "pupils.csv", dtype=str, keep_default_na=False)
    care = pd.read_csv(world / "social_care.csv", dtype=str, keep_default_na=False)
    counts = care.groupby(["pupil_id", "episode_type"]).size().unstack(fill_value=0)
    merged = pupils.set_index("pupil_id").join(counts).fillna(0)
    return merged.groupby("ethnicity")[list(counts.columns)].mean()


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
    blac = ratio.loc["BLAC"]
    # Contacts from the need-driven process triple; those from police notifications and the
    # referral before an entry to care do not, so the total rises a little less than x3.
    assert blac[["CONTACT", "REFERRAL"]].between(2.3, 3.0).all(), blac
    # Closer watching escalates: more assessments, early help and plans, for the same need...
    assert (blac[["ASSESSMENT", "EARLY_HELP", "CIN_PLAN", "CP_PLAN"]] > 1.5).all(), blac
    # ...but never an entry to care, and nobody else's records move.
    assert blac["LAC"] == pytest.approx(1.0)
    others = ratio.drop(index="BLAC").stack().to_numpy()
    np.testing.assert_allclose(others, 1.0, rtol=1e-12, err_msg=str(ratio))


def test_group_true_risk_is_unchanged(world_dir: Path, biased_world_dir: Path) -> None:
    fair, biased = truth_with_ethnicity(world_dir), truth_with_ethnicity(biased_world_dir)
    assert (fair["ethnicity"] == "BLAC").sum() > 1000
    # The outcome is drawn from the true history: every child's p_bayes and outcome are the same.
    pd.testing.assert_frame_equal(fair, biased)


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
    # The same terms, counted from the recorded (biased) history: what an analyst's features see.
    feats = record_features(pop, members, world.schooling, world.history, world.attendance, world.census,
                            world.exclusions, world.police)
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
