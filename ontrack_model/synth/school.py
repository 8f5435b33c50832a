"""School life of every window child from Reception to Year 6: schools, moves, census, attendance.

A child-by-term grid (21 terms) holds enrolment, school, FSM and SEN; census and attendance rows
are the enrolled cells of that grid. Only children whose Year 6 falls in the cohort window get
school rows (the brief allows siblings outside it to have none).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr, ndtri

from ontrack_model.synth import school_calendar as cal
from ontrack_model.synth.population import Population
from ontrack_model.synth.streams import stream

N_TERMS = 21  # Reception..Year 6, three terms each
PUPILS_PER_SCHOOL = 45  # Year 6 pupils of a typical two-form-entry London primary
MOVE_PER_TERM = 0.011  # ~3-4% of pupils change school in a year; more where need is high
MOVE_OTHER_BOROUGH = 0.15
FSM_THRESHOLD = 0.93  # base-rates.md: FSM 24.6% of pupils, primary 21.6%; inner London higher
# SEN by year group (Reception..Year 6), base-rates.md: primary SEN support 13.5%, EHC plan 2.5%
# at the end of primary; identification rises through the primary years.
SEN_SUPPORT_BY_YEAR = (0.065, 0.09, 0.11, 0.12, 0.13, 0.135, 0.135)
EHC_BY_YEAR = (0.008, 0.011, 0.014, 0.017, 0.020, 0.023, 0.025)
# Absence: logit of the share of sessions missed. Intercept set so that 15-22% of pupils are
# persistently absent (< 90% attendance) in a school year (base-rates.md: 22.3%, all pupils).
ABSENCE_INTERCEPT = -3.15


@dataclass
class Schooling:
    """The term grid of window children and the schools they attend."""

    child: np.ndarray  # [n]: population index of each window child
    school: np.ndarray  # [n, 21]: school index (-1 where not enrolled)
    enrolled: np.ndarray  # [n, 21]: attends at some point in the term
    on_census: np.ndarray  # [n, 21]: on roll on the term's census day
    census_day: np.ndarray  # [n, 21]
    period_start: np.ndarray  # [n, 21]
    period_end: np.ndarray  # [n, 21]
    school_year: np.ndarray  # [n, 21]: calendar year the school year ends in
    fsm: np.ndarray  # [n, 21] bool
    sen: np.ndarray  # [n, 21] 0 = N, 1 = K (support), 2 = E (EHC plan)
    school_ids: list[str]  # pseudonymous ID of each school index
    school_borough: np.ndarray  # borough index of each school


def build_schooling(pop: Population, year6: list[int], extract: int, seed: int) -> Schooling:
    """Enrol every window child from Reception to Year 6 (or until it leaves the LA)."""
    rng = stream(seed, "school")
    child = np.flatnonzero(pop.window)
    fam = pop.child_family[child]
    n = len(child)
    k = np.arange(N_TERMS)
    year_group = k // 3
    term = k % 3
    school_year = pop.child_cohort[child][:, None] - 6 + year_group[None, :]
    bounds = {}
    for y in np.unique(school_year):
        for t in range(3):
            bounds[(int(y), t)] = (*cal.term_bounds(int(y), t), cal.census_day(int(y), t))
    uniq_y, inv = np.unique(school_year, return_inverse=True)
    inv = inv.reshape(school_year.shape)
    table = np.array([[bounds[(int(y), t)] for t in range(3)] for y in uniq_y], dtype=np.int64)
    start, end, census = (table[inv, term[None, :].repeat(n, 0), j] for j in range(3))

    entry = pop.child_entry()[child][:, None]
    leave = pop.child_leave()[child][:, None]
    period_start = np.maximum(start, entry)
    period_end = np.minimum(np.minimum(end, leave - 1), extract)
    # Enrolled in a term only if at least one day of it is on roll (a child who arrives and leaves
    # on the same day, or arrives after the extract date, has no attendance row).
    enrolled = (entry <= end) & (leave > start) & (start <= extract) & (period_end >= period_start)
    on_census = (entry <= census) & (census < leave) & (census <= extract)

    # Schools: a ladder per borough ordered by intake deprivation; families pick by deprivation.
    counts = np.array([max(3, round(y6 / PUPILS_PER_SCHOOL)) for y6 in year6])
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    school_borough = np.repeat(np.arange(len(counts)), counts)
    n_schools = int(counts.sum())
    ids = rng.permutation(n_schools) + 100_001
    school_ids = [f"SCH{i}" for i in ids]
    borough = pop.fam_borough[fam].astype(np.int64)
    position = ndtr(0.6 * pop.fam_dep[fam] + 0.8 * ndtri(np.clip(pop.fam_school_pref[fam], 1e-9, 1 - 1e-9)))
    first = offsets[borough] + np.minimum((position * counts[borough]).astype(np.int64), counts[borough] - 1)

    # Moves at term boundaries: more often when the family's need is high.
    need = pop.need_at(np.repeat(fam, N_TERMS), start.ravel()).reshape(n, N_TERMS)
    p_move = MOVE_PER_TERM * np.exp(0.35 * need)
    stays = np.concatenate([np.zeros((n, 1), bool), enrolled[:, 1:] & enrolled[:, :-1]], axis=1)
    move = stays & (rng.random((n, N_TERMS)) < p_move)
    other = rng.random((n, N_TERMS)) < MOVE_OTHER_BOROUGH
    dest_borough = np.where(other, rng.integers(0, len(counts), (n, N_TERMS)), borough[:, None])
    dest = offsets[dest_borough] + (rng.random((n, N_TERMS)) * counts[dest_borough]).astype(np.int64)
    last_move = np.maximum.accumulate(np.where(move, k[None, :], -1), axis=1)
    school = np.where(last_move >= 0, np.take_along_axis(dest, np.maximum(last_move, 0), axis=1),
                      first[:, None])
    # A draw that lands on the current school is simply no move (the records show none).
    school = np.where(enrolled, school, -1)

    fsm_score = pop.fam_fsm[fam][:, None] + 0.25 * need
    fsm = fsm_score > FSM_THRESHOLD
    sen_latent = pop.child_sen[child][:, None]
    support = ndtri(1 - (np.asarray(SEN_SUPPORT_BY_YEAR) + np.asarray(EHC_BY_YEAR)))[year_group]
    ehc = ndtri(1 - np.asarray(EHC_BY_YEAR))[year_group]
    sen = np.where(sen_latent > ehc[None, :], 2, np.where(sen_latent > support[None, :], 1, 0))

    return Schooling(
        child=child,
        school=school,
        enrolled=enrolled,
        on_census=on_census,
        census_day=census,
        period_start=period_start,
        period_end=period_end,
        school_year=school_year,
        fsm=fsm,
        sen=sen.astype(np.int8),
        school_ids=school_ids,
        school_borough=school_borough,
    )


def census_rows(s: Schooling) -> pd.DataFrame:
    """School census: one row per window child per census day on roll (internal codes)."""
    rows, cols = np.nonzero(s.on_census)
    return pd.DataFrame({
        "child": s.child[rows],
        "census_day": s.census_day[rows, cols],
        "school": s.school[rows, cols],
        "year_group": (cols // 3).astype(np.int8),
        "fsm": s.fsm[rows, cols],
        "sen": s.sen[rows, cols],
    })


def attendance_rows(pop: Population, s: Schooling, seed: int) -> pd.DataFrame:
    """Attendance: one row per window child per school per term (internal codes)."""
    rng = stream(seed, "attendance")
    rows, cols = np.nonzero(s.enrolled)
    child = s.child[rows]
    fam = pop.child_family[child]
    start, end = s.period_start[rows, cols], s.period_end[rows, cols]
    term = cols % 3
    full = np.asarray(cal.TERM_SESSIONS)[term]
    term_days = np.array([cal.term_bounds(2001, t)[1] - cal.term_bounds(2001, t)[0] + 1 for t in range(3)])
    share = (end - start + 1) / term_days[term]
    possible = np.maximum(1, np.round(full * np.minimum(share, 1.0))).astype(np.int64)
    need = pop.need_at(fam, start)
    logit = (ABSENCE_INTERCEPT + 0.3 * pop.fam_dep[fam] + 0.3 * need + 0.45 * (s.sen[rows, cols] > 0)
             + 0.55 * pop.child_absence[child] + 0.35 * rng.standard_normal(len(rows)))
    absent = rng.binomial(possible, expit(logit))
    unauth_share = expit(-1.0 + 0.4 * need + 0.3 * pop.fam_dep[fam])
    unauth = rng.binomial(absent, unauth_share)
    return pd.DataFrame({
        "child": child,
        "school": s.school[rows, cols],
        "school_year": s.school_year[rows, cols],
        "term": term.astype(np.int8),
        "period_start": start,
        "period_end": end,
        "possible_sessions": possible,
        "authorised_absence": absent - unauth,
        "unauthorised_absence": unauth,
    })
