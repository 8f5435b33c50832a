"""SCORE-15 questionnaires of families on the On Track programme (paper coding, 1 = very well).

Each borough takes a few families a year from the cohort just finishing Year 6 (more likely the
higher their need); every family member aged 12 or over answers at the start and at 1-3 later
reviews. Family functioning improves on average, unevenly, over the reviews.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ontrack_model.schema import SCORE15_ITEMS, SCORE15_ROLES
from ontrack_model.synth import school_calendar as cal
from ontrack_model.synth.population import Population
from ontrack_model.synth.streams import stream

FAMILIES_PER_BOROUGH = 12  # a year; the programme reported on eight families (score15.md)
PROGRAMME_YEARS = 4  # the most recent cohorts whose first questionnaire precedes the extract date
# Items of dimension 1 (strengths) keep their paper value as difficulty; the others are reversed.
STRENGTH_ITEMS = (1, 3, 6, 10, 15)
DIMENSION = {i: (0 if i in STRENGTH_ITEMS else 1 if i in (5, 7, 9, 11, 14) else 2) for i in range(1, 16)}
DIMENSION_SHIFT = (-0.2, 0.2, 0.0)
MISSING_ITEM = 0.015
ROLE = {r: i for i, r in enumerate(SCORE15_ROLES)}


def score15_responses(
    pop: Population, members: pd.DataFrame, extract: int, last_year: int, seed: int
) -> pd.DataFrame:
    """Questionnaires: family, respondent, role, age, day and item_1..item_15 (0 = missing)."""
    rng = stream(seed, "score15")
    cohorts = members["cohort"].to_numpy()
    eligible = members[(cohorts >= last_year - PROGRAMME_YEARS) & (cohorts <= last_year - 1)]
    if eligible.empty:
        return _empty()
    fam = pop.child_family[eligible["child"].to_numpy()]
    group = eligible["cohort"].to_numpy() * 1000 + pop.fam_borough[fam]
    # Weighted sampling without replacement per group (Efraimidis-Spirakis keys).
    key = np.log(rng.random(len(fam))) / np.maximum(eligible["p_bayes"].to_numpy(), 1e-6)
    order = np.lexsort((-key, group))
    g_sorted = group[order]
    first = np.r_[True, g_sorted[1:] != g_sorted[:-1]]
    rank = np.arange(len(order)) - np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    chosen = order[rank < FAMILIES_PER_BOROUGH]
    chosen = chosen[np.unique(fam[chosen], return_index=True)[1]]  # a family enrols once
    fams = fam[chosen]
    cohort = eligible["cohort"].to_numpy()[chosen]
    nf = len(fams)

    # Administrations: the first in the autumn after Year 6, then every 3-6 months, up to 4.
    n_admin = rng.integers(2, 5, nf)
    first_day = cal.dates_in_years(cohort, 9, 15) + rng.integers(0, 76, nf)
    gaps = rng.integers(90, 181, (nf, 3))
    days = first_day[:, None] + np.concatenate([np.zeros((nf, 1), np.int64), np.cumsum(gaps, axis=1)], axis=1)
    level = rng.normal(0.6, 0.6, nf)[:, None] + np.concatenate(
        [np.zeros((nf, 1)), np.cumsum(rng.normal(-0.25, 0.3, (nf, 3)), axis=1)], axis=1)

    # Respondents: the family's children aged 12+ on the day, a parent, sometimes a second adult.
    kids = pd.DataFrame({"f": np.arange(nf), "family": fams}).merge(
        pd.DataFrame({"family": pop.child_family, "child": np.arange(pop.n_children)}), on="family")
    pupil = eligible["child"].to_numpy()[chosen]
    kid_f = kids["f"].to_numpy()
    kid = kids["child"].to_numpy()
    kid_role = np.where(kid == pupil[kid_f], ROLE["young_person"], ROLE["sibling"])
    second = rng.random(nf) < 0.45
    adult_f = np.concatenate([np.arange(nf), np.flatnonzero(second)])
    adult_role = np.concatenate([np.full(nf, ROLE["parent"]),
                                 rng.choice([ROLE["parent"], ROLE["carer"], ROLE["other_adult"]],
                                            size=second.sum(), p=(0.6, 0.25, 0.15))])
    youngest_birth = pop.child_birth[pupil]
    adult_birth = youngest_birth[adult_f] - (rng.uniform(22, 42, len(adult_f)) * 365.25).astype(np.int64)
    resp_f = np.concatenate([kid_f, adult_f])
    resp_role = np.concatenate([kid_role, adult_role])
    resp_birth = np.concatenate([pop.child_birth[kid], adult_birth])
    resp_offset = rng.normal(0, 0.3, len(resp_f))

    r_idx, k_idx = np.nonzero(np.ones((len(resp_f), 4), dtype=bool))
    f = resp_f[r_idx]
    day = days[f, k_idx]
    age = ((day - resp_birth[r_idx]) / 365.25).astype(np.int64)
    keep = (k_idx < n_admin[f]) & (day <= extract) & (age >= 12)
    r_idx, k_idx, f, day, age = r_idx[keep], k_idx[keep], f[keep], day[keep], age[keep]
    difficulty = (2.7 + 0.8 * (level[f, k_idx] + resp_offset[r_idx]))[:, None] + 0.8 * np.asarray(
        [DIMENSION_SHIFT[DIMENSION[i]] for i in range(1, 16)])[None, :]
    difficulty = np.clip(np.rint(difficulty + rng.normal(0, 0.7, difficulty.shape)), 1, 5).astype(np.int8)
    reversed_ = np.array([DIMENSION[i] != 0 for i in range(1, 16)])
    paper = np.where(reversed_[None, :], 6 - difficulty, difficulty).astype(np.int8)
    paper[rng.random(paper.shape) < MISSING_ITEM] = 0
    respondent_number = rng.permutation(len(resp_f)) + 1
    out = pd.DataFrame({
        "family": fams[f],
        "respondent": respondent_number[r_idx],
        "role": resp_role[r_idx].astype(np.int8),
        "age": age,
        "day": day,
    })
    for j, item in enumerate(SCORE15_ITEMS):
        out[item] = paper[:, j]
    return out.sort_values(["respondent", "day"], kind="stable").reset_index(drop=True)


def _empty() -> pd.DataFrame:
    cols = {"family": np.int64, "respondent": np.int64, "role": np.int8, "age": np.int64, "day": np.int64}
    frame = pd.DataFrame({k: np.array([], dtype=v) for k, v in cols.items()})
    for item in SCORE15_ITEMS:
        frame[item] = np.array([], dtype=np.int8)
    return frame
