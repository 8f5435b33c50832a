"""Surveillance bias: a group's contacts and referrals are recorded FACTOR times as often.

The extra records are copies of the group's real contacts and referrals moved by up to a year
(drawn from their own random stream, so the rest of the world is unchanged). They lead to no
assessment: the need behind them is the same as for anyone else. The outcome model divides the
group's contact and referral counts by FACTOR, so its true risk is unchanged while its records
overstate it.
"""

from __future__ import annotations

import numpy as np

from ontrack_model.synth.population import ETHNICITIES, Population
from ontrack_model.synth.school import FSM_THRESHOLD
from ontrack_model.synth.streams import stream

COPY_SHIFT_DAYS = 365


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


def biased_records(
    child: np.ndarray,
    days: np.ndarray,
    factor: np.ndarray,
    bounds: tuple[np.ndarray, np.ndarray],
    seed: int,
    name: str,
) -> tuple[np.ndarray, np.ndarray]:
    """The recorded (child, day) events: FACTOR-1 extra copies on average where FACTOR > 1, a
    1-FACTOR share dropped where FACTOR < 1; `bounds` are each child's first and last recordable day."""
    lo, hi = bounds
    rng = stream(seed, f"surveillance-{name}")
    f = factor[child]
    keep = (f >= 1) | (rng.random(len(child)) < f)
    copies = rng.poisson(np.maximum(f - 1, 0))
    src = np.repeat(np.arange(len(child)), copies)
    c = child[src]
    shifted = days[src] + rng.integers(-COPY_SHIFT_DAYS, COPY_SHIFT_DAYS + 1, len(src))
    shifted = np.clip(shifted, lo[c], hi[c])
    return np.concatenate([child[keep], c]), np.concatenate([days[keep], shifted])
