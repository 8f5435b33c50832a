"""Police notifications of domestic-abuse incidents, per family, driven by domestic abuse need."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ontrack_model.synth.grids import draw_events, year_grid
from ontrack_model.synth.population import FAMILY_FACTORS, Population
from ontrack_model.synth.streams import stream

# Yearly notification rate: families with domestic abuse (the true state, which assessments
# record ~50% of the time: base-rates.md "domestic violence 49.6%") far more than others.
RATE_DA = 0.22
RATE_OTHER = 0.004
NEED_SLOPE = 0.7
TYPE_CRIME_SHARE = 0.3
CHILDREN_PRESENT = (0.55, 0.35, 0.10)  # Y, N, U


def police_notifications(pop: Population, extract: int, seed: int) -> pd.DataFrame:
    """Notifications (family, day, type 0 incident / 1 crime, children_present 0 Y / 1 N / 2 U)."""
    rng = stream(seed, "police")
    first_birth = np.full(pop.n_families, np.iinfo(np.int64).max)
    np.minimum.at(first_birth, pop.child_family, pop.child_birth)
    start = np.maximum(np.maximum(first_birth - 365, pop.fam_entry), pop.records_from)
    stop = np.minimum(pop.fam_leave, extract + 1)
    grid = year_grid(start, stop)
    fam = grid.unit
    da = pop.fam_factors[fam, FAMILY_FACTORS.index("DA")]
    need = pop.fam_need[fam, grid.year - pop.first_need_year]
    rate = np.where(da, RATE_DA, RATE_OTHER) * np.exp(NEED_SLOPE * (need - 1.0))
    cell, days = draw_events(grid, rate, rng)
    n = len(cell)
    return pd.DataFrame({
        "family": fam[cell],
        "day": days,
        "type": (rng.random(n) < TYPE_CRIME_SHARE).astype(np.int8),
        "children_present": rng.choice(3, size=n, p=CHILDREN_PRESENT).astype(np.int8),
    })
