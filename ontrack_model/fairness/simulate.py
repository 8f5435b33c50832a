"""A toy scored cohort in the audit frame's shape, for tests, benchmarks and report previews.

Need (the label) depends on a latent risk and is the same for every group; the score is the latent
risk seen through noise, optionally inflated for chosen groups of one attribute — the signature of
surveillance bias (a group more visible to services gets higher scores for the same need).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ontrack_model.schema import ETHNICITY_CODES, SEN_CODES

ETHNICITY_SHARES = {"WHIT": 0.38, "BLAC": 0.17, "ASIA": 0.14, "MIXD": 0.13, "AOEG": 0.12, "CHIN": 0.02,
                    "UNCL": 0.04}
SEN_SHARES = {"N": 0.82, "K": 0.14, "E": 0.04}
BOROUGHS = ("LBHF", "RBKC", "WCC")


def simulate_cohort(
    n_children: int = 4500,
    seed: int = 0,
    base_rate: float = 0.1,
    inflation: Mapping[str, float] | None = None,
    attribute: str = "ethnicity",
    labelled: bool = True,
    sibling_share: float = 0.08,
) -> pd.DataFrame:
    """A cohort of `n_children` (pupil_id, family_id, score, probability, label, attributes).

    `inflation` maps groups of `attribute` to an amount added to their score (in log-odds) but not
    to their need. `sibling_share` is the share of families with two children in the cohort.
    """
    assert set(ETHNICITY_SHARES) == set(ETHNICITY_CODES) and set(SEN_SHARES) == set(SEN_CODES)
    rng = np.random.default_rng(seed)
    n_families = int(round(n_children / (1 + sibling_share)))
    fam = np.sort(np.concatenate([np.arange(n_families),
                                  rng.choice(n_families, n_children - n_families, replace=False)]))
    fam_eth = rng.choice(list(ETHNICITY_SHARES), n_families, p=list(ETHNICITY_SHARES.values()))
    fam_fsm = rng.choice(["Y", "N"], n_families, p=[0.3, 0.7])
    fam_borough = rng.choice(BOROUGHS, n_families)
    frame = pd.DataFrame({
        "pupil_id": [f"P{i:06d}" for i in range(n_children)],
        "family_id": [f"F{f:06d}" for f in fam],
        "ethnicity": fam_eth[fam],
        "sex": rng.choice(["F", "M"], n_children),
        "sen_status": rng.choice(list(SEN_SHARES), n_children, p=list(SEN_SHARES.values())),
        "fsm": fam_fsm[fam],
        "borough": fam_borough[fam],
    })
    # need: latent risk shared partly within the family; same distribution in every ethnic group
    latent = rng.normal(size=n_families)[fam] * 0.6 + rng.normal(size=n_children) * 0.8
    latent += 0.5 * (frame["fsm"] == "Y") + 0.4 * (frame["sen_status"] != "N")
    intercept = np.log(base_rate / (1 - base_rate)) - 0.6
    label = rng.random(n_children) < 1 / (1 + np.exp(-(intercept + 1.6 * latent)))
    score = 1.6 * latent + rng.normal(scale=0.6, size=n_children)
    for group, shift in (inflation or {}).items():
        score = score + shift * (frame[attribute] == group).to_numpy()
    frame["score"] = score
    frame["probability"] = 1 / (1 + np.exp(-(intercept + score)))
    frame["label"] = pd.array(label.astype(int), dtype="Int64") if labelled else pd.array(
        [pd.NA] * n_children, dtype="Int64")
    return frame[["pupil_id", "family_id", "score", "probability", "label", "ethnicity", "sex",
                  "sen_status", "fsm", "borough"]]
