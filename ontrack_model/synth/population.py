"""Families and children: births, siblings, ethnicity, latent need, arrival and departure.

Everything here is hidden state except what `writer` puts in `pupils`; the other steps read the
latent need to generate records. Families are drawn so that each birth year of the cohort
window yields about the configured number of Year 6 pupils after mobility.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ontrack_model.schema import ASSESSMENT_FACTORS, ETHNICITY_CODES
from ontrack_model.synth import school_calendar as cal
from ontrack_model.synth.config import NATIONAL, SynthConfig
from ontrack_model.synth.streams import stream

ETHNICITIES = tuple(ETHNICITY_CODES)
# DfE major groups among primary pupils: inner London (tri-borough / integer scales) and England.
ETHNICITY_MIX_LONDON = (0.38, 0.14, 0.12, 0.18, 0.02, 0.12, 0.04)
ETHNICITY_MIX_ENGLAND = (0.72, 0.07, 0.12, 0.055, 0.005, 0.02, 0.01)
# A mild shift of the FSM propensity only (never of need): an unbiased world shows no large
# ethnic disparities in need or outcome.
ETHNICITY_FSM_SHIFT = (-0.05, 0.15, 0.0, 0.25, -0.3, 0.2, 0.0)
EAL_RATE = (0.12, 0.2, 0.7, 0.4, 0.7, 0.8, 0.35)
CHILDREN_PER_FAMILY = (0.36, 0.38, 0.18, 0.08)  # 1..4 children, mean 1.98
SIBLING_GAP_MONTHS = (12, 72)  # brief: siblings 1-6 years apart
LEAVE_HAZARD = 0.03  # brief: ~2-4% of pupils a year leave the LA
JOIN_IN_PRIMARY = 0.12  # share of families arriving during the eldest window child's primary years
JOIN_BEFORE_SCHOOL = 0.08  # share arriving between the first birth and Reception
RETENTION = 0.835  # share of window children still in the LA at Year 6 (measured, see SYNTHETIC.md)
# The LA's case-management system holds records from the year the first cohort was born; older
# siblings' earlier history is not in the extract (as after a system migration).
RECORDS_YEARS_BEFORE_FIRST_COHORT = 12
NEED_PERSISTENCE = 0.75  # AR(1) correlation of a family's need from one year to the next
NEVER = np.iinfo(np.int64).max // 4  # "no date" for arrival/departure
# Family-level factors (true state, not a record): share rises with the family's risk.
FAMILY_FACTORS = ("DA", "PMH", "PSM", "NEG", "EMO", "PHY", "SXA", "LD", "YC")
FACTOR_INTERCEPT = {"DA": -2.55, "PMH": -2.8, "PSM": -3.4, "NEG": -3.5, "EMO": -3.5,
                    "PHY": -3.5, "SXA": -5.2, "LD": -4.6, "YC": -4.9}
FACTOR_SLOPE = 1.0
CHILD_FACTORS = ("CMH", "MIS", "CCE")  # the child's own: arise in later childhood
assert set(FAMILY_FACTORS + CHILD_FACTORS) == set(ASSESSMENT_FACTORS)
FACTOR_CODES = tuple(ASSESSMENT_FACTORS)  # bit k of a factor mask = FACTOR_CODES[k]


@dataclass
class Population:
    """Hidden state of every family and child of the world (numpy arrays, one entry each)."""

    boroughs: list[str]
    first_need_year: int  # calendar year of column 0 of fam_need
    records_from: int  # day the LA's electronic records begin: nothing is recorded before it
    # families
    fam_borough: np.ndarray
    fam_ethnicity: np.ndarray
    fam_dep: np.ndarray  # deprivation (drives FSM, school choice, absence)
    fam_risk: np.ndarray  # persistent family adversity
    fam_fsm: np.ndarray  # FSM propensity (dep + mild ethnic shift)
    fam_factors: np.ndarray  # bool [F, len(FAMILY_FACTORS)]
    fam_need: np.ndarray  # float32 [F, years]: need in each calendar year
    fam_entry: np.ndarray  # day the family arrived in the LA (-NEVER: always there)
    fam_leave: np.ndarray  # day the family left (NEVER: did not)
    fam_school_pref: np.ndarray  # 0-1: where in the borough's school ladder the family looks
    # children
    child_family: np.ndarray
    child_birth: np.ndarray  # day of birth
    child_sex: np.ndarray  # 0 = F, 1 = M
    child_eal: np.ndarray  # 0 = N, 1 = Y, 2 = U
    child_risk: np.ndarray  # the child's own addition to the family's need
    child_sen: np.ndarray  # SEN propensity (standard normal scale)
    child_behaviour: np.ndarray  # suspension propensity
    child_absence: np.ndarray  # absence propensity
    child_cohort: np.ndarray  # the calendar year in which the child's Year 6 ends
    window: np.ndarray  # bool: cohort within [first_year, last_year]

    @property
    def n_families(self) -> int:
        """Number of families."""
        return len(self.fam_borough)

    @property
    def n_children(self) -> int:
        """Number of children."""
        return len(self.child_family)

    def child_entry(self) -> np.ndarray:
        """Day each child's records start: birth, or the family's arrival if later."""
        return np.maximum(self.child_birth, self.fam_entry[self.child_family])

    def child_leave(self) -> np.ndarray:
        """Day each child's records stop (the family left), NEVER if they did not."""
        return self.fam_leave[self.child_family]

    def need_at(self, family: np.ndarray, days: np.ndarray) -> np.ndarray:
        """Each family's need in the calendar year of the matching day."""
        col = np.clip(cal.calendar_year(days) - self.first_need_year, 0, self.fam_need.shape[1] - 1)
        return self.fam_need[family, col]


def build_population(cfg: SynthConfig) -> Population:
    """Draw the families and children of the world."""
    rng = stream(cfg.seed, "population")
    window_start = cal.day(cfg.first_year - 12, 9, 1)  # cohort Y: born Sep Y-12 .. Aug Y-11
    window_end = cal.day(cfg.last_year - 11, 9, 1)
    max_span = 3 * SIBLING_GAP_MONTHS[1] * 30.44
    span_start = int(window_start - max_span)
    extract = cal.extract_day(cfg.last_year)

    # Families per year of first births so that each window birth year gives the target roll.
    mean_children = float(np.dot(np.arange(1, 5), CHILDREN_PER_FAMILY))
    span_years = (window_end - span_start) / 365.25
    per_borough = {b: n / (mean_children * RETENTION) for b, n in cfg.year6_by_borough.items()}
    n_draw = np.array([round(rate * span_years) for rate in per_borough.values()])
    borough = np.repeat(np.arange(len(n_draw), dtype=np.int16), n_draw)
    n_fam = len(borough)
    first_birth = rng.integers(span_start, window_end, n_fam)
    n_kids = rng.choice(4, size=n_fam, p=CHILDREN_PER_FAMILY) + 1
    gaps = rng.uniform(*SIBLING_GAP_MONTHS, size=(n_fam, 3)) * 30.44
    births = first_birth[:, None] + np.concatenate(
        [np.zeros((n_fam, 1)), np.cumsum(gaps, axis=1)], axis=1
    ).astype(np.int64)
    exists = (np.arange(4)[None, :] < n_kids[:, None]) & (births < extract)
    in_window = exists & (births >= window_start) & (births < window_end)
    keep = in_window.any(axis=1)
    borough, births, exists, in_window = borough[keep], births[keep], exists[keep], in_window[keep]
    n_fam = len(borough)

    fam_of, slot = np.nonzero(exists)
    child_birth = births[fam_of, slot]
    # Earliest window child: its primary years bound arrivals and departures of the family.
    earliest = np.where(in_window, births, np.iinfo(np.int64).max).min(axis=1)
    eldest_cohort = cal.birth_school_year(earliest)
    reception_start = cal.dates_in_years(eldest_cohort - 7, 9, 1)
    spring_y6 = cal.census_days(eldest_cohort, 1)
    as_of = cal.dates_in_years(eldest_cohort, 6, 1)

    # Arrivals: most families were always here; some arrive before school, some mid-primary.
    kind = rng.choice(3, size=n_fam, p=(1 - JOIN_IN_PRIMARY - JOIN_BEFORE_SCHOOL, JOIN_BEFORE_SCHOOL,
                                        JOIN_IN_PRIMARY))
    first_birth = births[:, 0]
    entry = np.full(n_fam, -NEVER, dtype=np.int64)
    pre = kind == 1
    entry[pre] = rng.integers(first_birth[pre] + 1, np.maximum(reception_start[pre], first_birth[pre] + 2))
    mid = kind == 2
    entry[mid] = rng.integers(reception_start[mid] + 30, spring_y6[mid])
    # Departures: a constant hazard during the eldest window child's primary years only, so no
    # family leaves after any of its children's as-of dates.
    exposure_start = np.maximum(reception_start, entry)
    leave_after = rng.exponential(1 / LEAVE_HAZARD, n_fam) * 365.25
    leave = (exposure_start + leave_after).astype(np.int64)
    leave = np.where(leave < as_of - 1, leave, NEVER)

    ethnic_mix = ETHNICITY_MIX_ENGLAND if cfg.scale == NATIONAL else ETHNICITY_MIX_LONDON
    ethnicity = rng.choice(len(ETHNICITIES), size=n_fam, p=ethnic_mix).astype(np.int8)
    dep = rng.standard_normal(n_fam)
    fsm = dep + np.asarray(ETHNICITY_FSM_SHIFT)[ethnicity] + 0.5 * rng.standard_normal(n_fam)
    risk = 0.45 * dep + np.sqrt(1 - 0.45**2) * rng.standard_normal(n_fam)
    factors = np.column_stack([
        rng.random(n_fam) < expit(FACTOR_INTERCEPT[k] + FACTOR_SLOPE * risk) for k in FAMILY_FACTORS
    ])
    da, pmh, psm, neg = (factors[:, FAMILY_FACTORS.index(k)] for k in ("DA", "PMH", "PSM", "NEG"))
    base_need = risk + 0.3 * (da.astype(float) + pmh + psm + neg) + 0.5 * (da & pmh)

    first_need_year = int(cal.calendar_year(np.array([span_start]))[0])
    n_years = cfg.last_year - first_need_year + 1
    shocks = rng.standard_normal((n_fam, n_years)).astype(np.float32)
    ar = np.empty_like(shocks)
    ar[:, 0] = shocks[:, 0]
    innovation = np.float32(np.sqrt(1 - NEED_PERSISTENCE**2))
    for t in range(1, n_years):  # a loop over years (not people): each step is vectorised
        ar[:, t] = NEED_PERSISTENCE * ar[:, t - 1] + innovation * shocks[:, t]
    need = (base_need[:, None] + 0.7 * ar).astype(np.float32)

    n_child = len(fam_of)
    sex = (rng.random(n_child) < 0.51).astype(np.int8)
    eal_rate = np.asarray(EAL_RATE)[ethnicity[fam_of]]
    eal = np.where(rng.random(n_child) < eal_rate, 1, 0).astype(np.int8)
    eal[rng.random(n_child) < 0.02] = 2
    child_risk = 0.5 * rng.standard_normal(n_child)
    sen = (0.25 * dep[fam_of] + 0.2 * child_risk + 0.25 * (sex - 0.5) * 2
           + 0.9 * rng.standard_normal(n_child))
    sen = sen / np.sqrt(0.25**2 + 0.1**2 + 0.25**2 + 0.9**2)
    behaviour = 0.4 * risk[fam_of] + 0.5 * (sex - 0.5) * 2 + 0.8 * rng.standard_normal(n_child)
    absence = rng.standard_normal(n_child)
    cohort = cal.birth_school_year(child_birth)
    window = (cohort >= cfg.first_year) & (cohort <= cfg.last_year)

    return Population(
        boroughs=cfg.boroughs,
        first_need_year=first_need_year,
        records_from=cal.day(cfg.first_year - RECORDS_YEARS_BEFORE_FIRST_COHORT, 1, 1),
        fam_borough=borough,
        fam_ethnicity=ethnicity,
        fam_dep=dep.astype(np.float32),
        fam_risk=risk.astype(np.float32),
        fam_fsm=fsm.astype(np.float32),
        fam_factors=factors,
        fam_need=need,
        fam_entry=entry,
        fam_leave=leave,
        fam_school_pref=rng.random(n_fam),
        child_family=fam_of.astype(np.int64),
        child_birth=child_birth,
        child_sex=sex,
        child_eal=eal,
        child_risk=child_risk.astype(np.float32),
        child_sen=sen.astype(np.float32),
        child_behaviour=behaviour.astype(np.float32),
        child_absence=absence.astype(np.float32),
        child_cohort=cohort,
        window=window,
    )


