"""Suspensions and permanent exclusions of window children during primary school."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ontrack_model.schema import EXCLUSION_REASONS
from ontrack_model.synth.population import Population
from ontrack_model.synth.school import Schooling
from ontrack_model.synth.streams import stream

# base-rates.md: primary suspensions 0.83 per 100 pupils per term; FSM x4, SEN support x4, EHC x3.
# The base rate is set so the average over Reception..Year 6 comes out near 0.8 per 100.
SUSPENSION_BASE = 0.0058
FSM_RATE_RATIO = 3.0
SEN_RATE_RATIO = (1.0, 4.0, 3.0)  # N, K (support), E (EHC plan)
YEAR_GROUP_RATIO = (0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.5)  # older primary pupils are suspended more
REASONS = tuple(EXCLUSION_REASONS)
REASON_SHARES = dict(PP=0.15, PA=0.2, VP=0.08, VA=0.12, BU=0.02, RA=0.02, DM=0.03, DA=0.01, TH=0.01,
                     DB=0.30, OT=0.06)
SESSIONS = (1, 2, 3, 4, 6, 10)
SESSION_SHARES = (0.25, 0.35, 0.1, 0.15, 0.1, 0.05)
PERMANENT_AFTER_MOVE = 0.12  # a move of a child with very high behaviour propensity follows a PERM


def exclusions(pop: Population, s: Schooling, seed: int) -> pd.DataFrame:
    """Exclusions (child, school, day, category 0 SUSP / 1 PERM, sessions, reason index)."""
    rng = stream(seed, "exclusions")
    rows, cols = np.nonzero(s.enrolled)
    child = s.child[rows]
    rate = (SUSPENSION_BASE * np.where(s.fsm[rows, cols], FSM_RATE_RATIO, 1.0)
            * np.asarray(SEN_RATE_RATIO)[s.sen[rows, cols]]
            * np.asarray(YEAR_GROUP_RATIO)[cols // 3]
            * np.exp(0.6 * pop.child_behaviour[child] - 0.6))
    count = rng.poisson(rate)
    src = np.repeat(np.arange(len(rows)), count)
    start, end = s.period_start[rows[src], cols[src]], s.period_end[rows[src], cols[src]]
    day = start + (rng.random(len(src)) * (end - start + 1)).astype(np.int64)
    susp = pd.DataFrame({
        "child": child[src],
        "school": s.school[rows[src], cols[src]],
        "day": day,
        "category": np.zeros(len(src), np.int8),
        "sessions": rng.choice(SESSIONS, size=len(src), p=SESSION_SHARES),
        "reason": _reasons(rng, len(src)),
    })

    # Permanent exclusions are rare in primary: some school moves of the most challenging pupils
    # are the result of one, dated in the last weeks of the term before the move.
    moved = (s.school[:, 1:] != s.school[:, :-1]) & (s.school[:, 1:] >= 0) & (s.school[:, :-1] >= 0)
    r, c = np.nonzero(moved)
    perm = (pop.child_behaviour[s.child[r]] > 1.5) & (rng.random(len(r)) < PERMANENT_AFTER_MOVE)
    r, c = r[perm], c[perm]
    end = s.period_end[r, c]
    day = np.maximum(s.period_start[r, c], end - rng.integers(5, 30, len(r)))
    perm_rows = pd.DataFrame({
        "child": s.child[r],
        "school": s.school[r, c],
        "day": day,
        "category": np.ones(len(r), np.int8),
        "sessions": np.minimum(400, 2 * (end - day + 1)),
        "reason": _reasons(rng, len(r)),
    })
    return pd.concat([susp, perm_rows], ignore_index=True).sort_values(["child", "day"], kind="stable")


def _reasons(rng: np.random.Generator, n: int) -> np.ndarray:
    shares = np.array([REASON_SHARES[r] for r in REASONS])
    return rng.choice(len(REASONS), size=n, p=shares / shares.sum()).astype(np.int8)
