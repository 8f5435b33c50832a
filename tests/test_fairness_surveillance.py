"""End to end: a surveillance bias written into the records is caught by the training run's audit.

Two worlds differ only in how closely Black families are watched (`--surveillance-bias BLAC=6`:
six times the contacts for the same need, with what follows from them). Their need and outcomes
are identical. A model trained on each world's records, audited at the same capacity on its
validation cohorts pooled, must flag the biased group's selection rate and false positive rate
above the band in the biased world, and flag nothing for ethnicity in the fair one.

Single years are noisier: with 7 groups x 9 ratios x 5 years some flag can appear by chance in a
fair world (at this seed, one year's ASIA selection rate, which tracked that year's need). That is
why the pooled audit is the headline and the per-year audits show whether a flag is steady.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ontrack_model.synth import generate_world
from training.config import TrainingConfig, load_config
from training.pipeline import train

WORLD = {"seed": 3, "first_year": 2014, "last_year": 2026, "scale": "tri-borough", "file_format": "csv"}
BIAS = {"BLAC": 6.0}
CAPACITY = 100  # the programme's capacity, the same in both worlds
# One model family keeps the test quick; the selection logic is tested elsewhere.
CONFIG = {"candidates": {"logistic_C": [0.05], "hgb": []}, "audit_resamples": 400, "capacity": CAPACITY}


def _train(world: Path, home: Path) -> list[dict]:
    """Train on `world` with its own tracking store; return the run's fairness flags."""
    mp = pytest.MonkeyPatch()
    mp.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{home / 'mlflow.db'}")
    try:
        config = TrainingConfig.model_validate(load_config().model_dump() | CONFIG)
        return train(world, config, store_root=home / "store").flags
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def flags(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    out = {}
    for name, bias in (("fair", None), ("biased", BIAS)):
        root = tmp_path_factory.mktemp(f"surveillance-{name}")
        generate_world(root / "world", **WORLD, surveillance_bias=bias)
        out[name] = _train(root / "world", root)
    return out


def _pooled(flags: list[dict], attribute: str = "ethnicity") -> list[dict]:
    return [f for f in flags if f["cohort"] == "pooled" and f["attribute"] == attribute]


def test_the_biased_group_is_flagged_as_over_selected(flags) -> None:
    blac = {f["metric"]: f for f in _pooled(flags["biased"]) if f["group"] == "BLAC"}
    for metric in ("selection_rate", "fpr"):
        assert metric in blac, f"BLAC {metric} not flagged; ethnicity flags: {_pooled(flags['biased'])}"
        flag = blac[metric]
        assert flag["direction"] == "above" and flag["ratio_ci_low"] > 1.25, flag
        assert flag["reference_group"] == "WHIT"


def test_the_fair_world_flags_nothing_for_ethnicity(flags) -> None:
    assert _pooled(flags["fair"]) == [], _pooled(flags["fair"])
    blac = [f for f in flags["fair"] if f["attribute"] == "ethnicity" and f["group"] == "BLAC"]
    assert blac == [], blac  # nor in any single year

