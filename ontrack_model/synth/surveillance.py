"""Surveillance bias: a group is watched FACTOR times as closely as others with the same need.

A watched group's children come to the attention of children's services FACTOR times as often:
extra contacts arrive at (FACTOR - 1) times the child's own contact rate, drawn from their own
random stream, and each goes the usual way (maybe a referral, an assessment recording the factors
it finds, early help or a plan by the assessment's severity). The extra records never lead to care
and never enter the outcome: g is computed from the true history, so the group's need and outcomes
are exactly those of the world without the bias, while its records overstate them.

FACTOR < 1 (a group services overlook) drops a 1 - FACTOR share of the group's contacts and
referrals from the records, again without touching the outcome.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ontrack_model.synth.grids import draw_events, year_grid
from ontrack_model.synth.population import ETHNICITIES, Population
from ontrack_model.synth.school import FSM_THRESHOLD
from ontrack_model.synth.social_care import CONTACT, REFERRAL, contact_rates, follow_contacts, record_bounds
from ontrack_model.synth.streams import stream


def bias_factors(pop: Population, bias: dict[str, float]) -> np.ndarray:
    """Each child's recording factor: the product of the factors of the groups it belongs to."""
    factor = np.ones(pop.n_children)
    fam = pop.child_family
    for group, value in bias.items():
        attr, _, code = group.rpartition(":")
        if not attr:
            member = pop.fam_ethnicity[fam] == ETHNICITIES.index(code)
        elif attr == "sex":
            member = pop.child_sex == (1 if code == "M" else 0)
        else:  # fsm: the family's lasting eligibility (the census flag also moves year to year)
            member = (pop.fam_fsm[fam] > FSM_THRESHOLD) == (code == "Y")
        factor[member] *= value
    return factor


def recorded_history(
    pop: Population, history: pd.DataFrame, factor: np.ndarray, extract: int, seed: int
) -> pd.DataFrame:
    """What a biased recording practice holds: the true history, thinned where FACTOR < 1, plus
    the records that closer watching adds where FACTOR > 1."""
    rng = stream(seed, "surveillance")
    first, last = record_bounds(pop, extract)
    kind = history["etype"].to_numpy()
    f = factor[history["child"].to_numpy()]
    dropped = np.isin(kind, [CONTACT, REFERRAL]) & (f < 1) & (rng.random(len(history)) >= f)
    extra = np.maximum(factor - 1, 0)
    watched = extra > 0
    # Cells only for watched children: the others get an empty [first, first) span.
    grid = year_grid(first, np.where(watched, last + 1, first))
    cell, day = draw_events(grid, extra[grid.unit] * contact_rates(pop, grid), rng)
    added = follow_contacts(pop, grid.unit[cell], day, last, rng, care=False)
    return pd.concat([history[~dropped], *added], ignore_index=True)
