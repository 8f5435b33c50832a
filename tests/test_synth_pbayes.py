"""p_bayes is the exact risk given the records: calibrated, better than a constant, and blind to
everything dated after the as-of date."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ontrack_model.synth import generate_world
from ontrack_model.synth.config import SynthConfig
from ontrack_model.synth.outcome import SIGMA, p_bayes, record_features
from ontrack_model.synth.social_care import CONTACT, CP_PLAN, REFERRAL
from ontrack_model.synth.world import simulate


@pytest.fixture(scope="module")
def truths(world_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> list[pd.DataFrame]:
    """Labelled cohorts of three worlds (the shared one and two smaller ones)."""
    frames = [pd.read_csv(world_dir / "truth" / "pupil_truth.csv").query("cohort <= 2021")]
    for seed in (21, 22):
        out = tmp_path_factory.mktemp(f"pbayes-{seed}") / "world"
        generate_world(out, seed=seed, first_year=2014, last_year=2021, scale=1200)
        frames.append(pd.read_csv(out / "truth" / "pupil_truth.csv").query("cohort <= 2016"))
    return frames


def test_mean_p_bayes_matches_the_observed_rate(truths: list[pd.DataFrame]) -> None:
    both = pd.concat(truths)
    p, y = both["p_bayes"].to_numpy(), both["entered_care"].to_numpy()
    sd = np.sqrt(np.sum(p * (1 - p)))
    assert abs(y.sum() - p.sum()) < 3 * sd, (y.sum(), p.sum(), sd)
    # ... and within deciles of risk too (calibration, not only the mean).
    top = p >= np.quantile(p, 0.9)
    assert abs(y[top].sum() - p[top].sum()) < 3 * np.sqrt(np.sum(p[top] * (1 - p[top]))) + 1


@pytest.mark.parametrize("world", [0, 1, 2])
def test_brier_of_p_bayes_beats_the_best_constant(truths: list[pd.DataFrame], world: int) -> None:
    truth = truths[world]
    p, y = truth["p_bayes"].to_numpy(), truth["entered_care"].to_numpy()
    assert np.mean((p - y) ** 2) < np.mean((y.mean() - y) ** 2)


def test_gauss_hermite_matches_monte_carlo() -> None:
    g = np.array([-8.0, -4.0, 0.0, 2.5])
    u = np.random.default_rng(0).normal(0, SIGMA, 400_000)
    mc = 1 / (1 + np.exp(-(g[:, None] + u[None, :])))
    np.testing.assert_allclose(p_bayes(g, SIGMA), mc.mean(axis=1), rtol=0.02)
    assert np.all(np.diff(p_bayes(g, SIGMA)) > 0)


def test_records_after_the_as_of_date_do_not_change_g() -> None:
    cfg = SynthConfig.build(seed=4, first_year=2018, last_year=2024, scale=300, surveillance_bias=None,
                            file_format="csv")
    world = simulate(cfg, lambda stage, fraction: None)
    members = world.outcomes.members[["child", "cohort", "as_of"]]

    def features(history: pd.DataFrame) -> dict[str, np.ndarray]:
        return record_features(world.population, members, world.schooling, history, world.attendance,
                               world.census, world.exclusions, world.police)

    before = features(world.history)
    # Flood every member with contacts, referrals and CP plans from the as-of date on.
    late = pd.DataFrame({
        "child": np.repeat(members["child"].to_numpy(), 3),
        "etype": np.tile([CONTACT, REFERRAL, CP_PLAN], len(members)).astype(np.int8),
        "start": np.repeat(members["as_of"].to_numpy(), 3) + np.tile([0, 30, 60], len(members)),
        "end": np.repeat(members["as_of"].to_numpy(), 3) + 400,
        "factors": np.int16(0),
    })
    after = features(pd.concat([world.history, late], ignore_index=True))
    for name in before:
        np.testing.assert_array_equal(before[name], after[name], err_msg=name)
    # The same flood a day earlier must show (the test can fail).
    early = late.assign(start=late["start"] - 100)
    assert not np.array_equal(features(pd.concat([world.history, early]))["referrals_12m"],
                              before["referrals_12m"])
