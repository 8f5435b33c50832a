"""The outcome: entry to care within 5 years of the as-of date, drawn from the RECORDS.

For each cohort member, g(records) is a fixed non-linear score of what the extract shows before
the as-of date (see `TERMS`); unrecorded circumstances add u ~ N(0, SIGMA^2), independent of the
records. P(care | records, u) = expit(g + u), so the best any model can do with the records is
p_bayes = E_u[expit(g + u)], computed exactly by Gauss-Hermite quadrature; the outcome is drawn
with the same u. Cohorts are drawn oldest first, so a younger sibling's g sees an older sibling's
entry to care.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit

from ontrack_model.synth import school_calendar as cal
from ontrack_model.synth.population import FACTOR_CODES, Population
from ontrack_model.synth.school import Schooling
from ontrack_model.synth.social_care import (
    ASSESSMENT,
    CIN_PLAN,
    CONTACT,
    CP_PLAN,
    EARLY_HELP,
    LAC,
    REFERRAL,
    assessment_factors,
    care_duration,
    episodes_frame,
)
from ontrack_model.synth.streams import stream

HORIZON_YEARS = 5
SIGMA = 2.0  # sd of the unrecorded part u
QUADRATURE_NODES = 40
INTERCEPT = -7.45  # sets the 5-year entry rate near 1.2% (base-rates.md: ~1-1.5% of a Year 6 cohort)
SPRING_YEAR6 = 19  # column of the Year 6 spring census in the term grid


@dataclass(frozen=True)
class Term:
    """One term of g: weight x transformed feature, and what it means."""

    name: str
    weight: float
    meaning: str


TERMS = (
    Term("referrals_12m", 0.72, "referrals in the 12 months before as-of, capped at 3"),
    Term("referrals_older", 0.28, "older referrals before as-of, capped at 6"),
    Term("contacts_12m", 0.24, "contacts in the 12 months before as-of, capped at 5"),
    Term("cp_plan_now", 1.04, "on a child-protection plan on the as-of date"),
    Term("cp_plan_past", 0.56, "a child-protection plan that ended before as-of"),
    Term("cin_plan_now", 0.48, "on a child-in-need plan on the as-of date"),
    Term("early_help_now", 0.24, "in an early-help episode on the as-of date"),
    Term("care_past", 0.8, "was looked after before (episode ended before as-of)"),
    Term("sibling_in_care", 0.8, "a sibling has entered care before as-of"),
    Term("factor_da", 0.32, "domestic abuse at an assessment completed in the last 3 years"),
    Term("factor_pmh", 0.24, "parental mental health at an assessment completed in the last 3 years"),
    Term("da_and_pmh", 0.72, "both at the SAME assessment (interaction)"),
    Term("factor_psm", 0.4, "parental substance misuse at an assessment in the last 3 years"),
    Term("factor_neg", 0.48, "neglect at an assessment in the last 3 years"),
    Term("attendance_below_90", 0.56, "attendance < 90% over the terms ending in the last 12 months"),
    Term("attendance_below_80", 0.48, "attendance < 80% (on top of the 90% threshold)"),
    Term("suspensions_24m", 0.36, "suspensions in the 24 months before as-of, capped at 3"),
    Term("school_moves", 0.28, "changes of school across census days before as-of, capped at 3"),
    Term("police_24m", 0.24, "police domestic-abuse notifications, family, last 24 months, capped at 4"),
    Term("fsm", 0.4, "eligible for free school meals at the Year 6 spring census"),
    Term("sen_support", 0.28, "SEN support at the Year 6 spring census"),
    Term("ehc_plan", 0.48, "EHC plan at the Year 6 spring census"),
)


def p_bayes(g: np.ndarray, sigma: float, nodes: int = QUADRATURE_NODES) -> np.ndarray:
    """E[expit(g + u)] for u ~ N(0, sigma^2), by Gauss-Hermite quadrature."""
    x, w = np.polynomial.hermite.hermgauss(nodes)
    values = expit(np.asarray(g, dtype=float)[:, None] + np.sqrt(2.0) * sigma * x[None, :])
    return values @ w / np.sqrt(np.pi)


def cohort_members(pop: Population, s: Schooling, history: pd.DataFrame) -> pd.DataFrame:
    """Members of every cohort (child, cohort, as_of): Year 6 on the spring census, still in the
    LA on the as-of date and not looked after on it."""
    rows = np.flatnonzero(s.on_census[:, SPRING_YEAR6])
    child = s.child[rows]
    cohort = pop.child_cohort[child]
    as_of = cal.dates_in_years(cohort, 6, 1)
    here = pop.child_leave()[child] > as_of
    child, cohort, as_of = child[here], cohort[here], as_of[here]
    lac = history[history["etype"].to_numpy() == LAC]
    lookup = np.full(pop.n_children, -1, dtype=np.int64)
    lookup[child] = as_of
    a = lookup[lac["child"].to_numpy()]
    open_then = (a >= 0) & (lac["start"].to_numpy() <= a) & (lac["end"].to_numpy() >= a)
    in_care = lac["child"].to_numpy()[open_then]
    looked_after = np.isin(child, in_care)
    members = pd.DataFrame({"child": child[~looked_after], "cohort": cohort[~looked_after],
                            "as_of": as_of[~looked_after]})
    return members.sort_values(["cohort", "child"], kind="stable").reset_index(drop=True)


def _member_rows(position: np.ndarray, child: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which rows (of a table's child column) belong to members, and each such row's member."""
    pos = position[child]
    ok = pos >= 0
    return ok, pos[ok]


def record_features(
    pop: Population,
    members: pd.DataFrame,
    s: Schooling,
    history: pd.DataFrame,
    attendance: pd.DataFrame,
    census: pd.DataFrame,
    exclusions: pd.DataFrame,
    police: pd.DataFrame,
) -> dict[str, np.ndarray]:
    """Every term of g except the sibling one, from the records known before each as-of date."""
    n = len(members)
    a_all = members["as_of"].to_numpy()
    position = np.full(pop.n_children, -1, dtype=np.int64)
    position[members["child"].to_numpy()] = np.arange(n)
    feats: dict[str, np.ndarray] = {}

    ok, where = _member_rows(position, history["child"].to_numpy())
    ev = history[ok]
    a = a_all[where]
    etype, start, end = ev["etype"].to_numpy(), ev["start"].to_numpy(), ev["end"].to_numpy()
    known = start < a
    recent = known & (start >= a - 365)

    def count(mask: np.ndarray) -> np.ndarray:
        return np.bincount(where[mask], minlength=n)

    feats["referrals_12m"] = np.minimum(count((etype == REFERRAL) & recent), 3)
    feats["referrals_older"] = np.minimum(count((etype == REFERRAL) & known & ~recent), 6)
    feats["contacts_12m"] = np.minimum(count((etype == CONTACT) & recent), 5)
    is_open = known & (end >= a)
    feats["cp_plan_now"] = count((etype == CP_PLAN) & is_open) > 0
    feats["cp_plan_past"] = count((etype == CP_PLAN) & (end < a)) > 0
    feats["cin_plan_now"] = count((etype == CIN_PLAN) & is_open) > 0
    feats["early_help_now"] = count((etype == EARLY_HELP) & is_open) > 0
    feats["care_past"] = count((etype == LAC) & (end < a)) > 0
    done = (etype == ASSESSMENT) & (end < a) & (end >= a - 3 * 365)
    mask = ev["factors"].to_numpy()
    bits = {c: ((mask >> FACTOR_CODES.index(c)) & 1).astype(bool) for c in ("DA", "PMH", "PSM", "NEG")}
    feats["factor_da"] = count(done & bits["DA"]) > 0
    feats["factor_pmh"] = count(done & bits["PMH"]) > 0
    feats["da_and_pmh"] = count(done & bits["DA"] & bits["PMH"]) > 0
    feats["factor_psm"] = count(done & bits["PSM"]) > 0
    feats["factor_neg"] = count(done & bits["NEG"]) > 0

    ok, where = _member_rows(position, attendance["child"].to_numpy())
    att = attendance[ok]
    a = a_all[where]
    pend = att["period_end"].to_numpy()
    last_year = (pend < a) & (pend >= a - 365)
    possible = np.bincount(where[last_year], att["possible_sessions"].to_numpy()[last_year], minlength=n)
    absent = np.bincount(where[last_year], (att["authorised_absence"].to_numpy()
                                            + att["unauthorised_absence"].to_numpy())[last_year], minlength=n)
    rate = 1 - absent / np.maximum(possible, 1)
    feats["attendance_below_90"] = (possible > 0) & (rate < 0.9)
    feats["attendance_below_80"] = (possible > 0) & (rate < 0.8)

    ok, where = _member_rows(position, exclusions["child"].to_numpy())
    exc = exclusions[ok]
    a = a_all[where]
    day = exc["day"].to_numpy()
    susp = (exc["category"].to_numpy() == 0) & (day < a) & (day >= a - 730)
    feats["suspensions_24m"] = np.minimum(np.bincount(where[susp], minlength=n), 3)

    ok, where = _member_rows(position, census["child"].to_numpy())
    cen = census[ok]
    a = a_all[where]
    cen_day = cen["census_day"].to_numpy()
    order = np.lexsort((cen_day, where))
    w, school, before = where[order], cen["school"].to_numpy()[order], cen_day[order] < a[order]
    change = np.zeros(len(w), dtype=bool)
    change[1:] = (w[1:] == w[:-1]) & (school[1:] != school[:-1]) & before[1:]
    feats["school_moves"] = np.minimum(np.bincount(w[change], minlength=n), 3)

    fam = pop.child_family[members["child"].to_numpy()]
    pol = police.merge(pd.DataFrame({"family": fam, "m": np.arange(n)}), on="family")
    m = pol["m"].to_numpy()
    pday = pol["day"].to_numpy()
    recent_pol = (pday < a_all[m]) & (pday >= a_all[m] - 730)
    feats["police_24m"] = np.minimum(np.bincount(m[recent_pol], minlength=n), 4)

    grid_row = np.searchsorted(s.child, members["child"].to_numpy())  # s.child is sorted
    feats["fsm"] = s.fsm[grid_row, SPRING_YEAR6]
    sen = s.sen[grid_row, SPRING_YEAR6]
    feats["sen_support"] = sen == 1
    feats["ehc_plan"] = sen == 2
    return {k: np.asarray(v, dtype=float) for k, v in feats.items()}


@dataclass
class Outcomes:
    """Cohort members with their p_bayes and outcome, and the episodes the outcome adds."""

    members: pd.DataFrame  # child, cohort, as_of, g, p_bayes, entered_care, care_start
    episodes: pd.DataFrame  # new social-care episodes (entries to care and what led to them)


def score(features: dict[str, np.ndarray]) -> np.ndarray:
    """g: the intercept plus each term's weight times its feature."""
    g = np.full(len(next(iter(features.values()))), INTERCEPT)
    for term in TERMS:
        g += term.weight * features[term.name]
    return g


def draw_outcomes(
    pop: Population,
    members: pd.DataFrame,
    features: dict[str, np.ndarray],
    history: pd.DataFrame,
    extract: int,
    seed: int,
) -> Outcomes:
    """Draw each cohort's outcomes, oldest cohort first, and the care episodes they imply."""
    rng = stream(seed, "outcome")
    # Per-child draws made once for all children, so a world with a surveillance bias gives the
    # same child the same u and the same uniform as the world without it.
    z = rng.standard_normal(pop.n_children)
    v = rng.random(pop.n_children)
    when = rng.random(pop.n_children)
    child = members["child"].to_numpy()
    fam = pop.child_family[child]
    as_of = members["as_of"].to_numpy()
    lac = history[history["etype"].to_numpy() == LAC]
    lac_fam = pop.child_family[lac["child"].to_numpy()]
    care_child = [lac["child"].to_numpy()]
    care_fam = [lac_fam]
    care_start = [lac["start"].to_numpy()]
    sibling = np.zeros(len(members))
    entered = np.zeros(len(members), dtype=bool)
    start = np.full(len(members), -1, dtype=np.int64)
    g = np.zeros(len(members))
    for cohort in np.unique(members["cohort"].to_numpy()):
        sel = np.flatnonzero(members["cohort"].to_numpy() == cohort)
        known = pd.DataFrame({"family": np.concatenate(care_fam), "sib": np.concatenate(care_child),
                              "start": np.concatenate(care_start)})
        pairs = known.merge(pd.DataFrame({"family": fam[sel], "m": sel}), on="family")
        m = pairs["m"].to_numpy()
        hit = (pairs["sib"].to_numpy() != child[m]) & (pairs["start"].to_numpy() < as_of[m])
        sibling[np.unique(m[hit])] = 1.0
        feats = {k: val[sel] for k, val in features.items()} | {"sibling_in_care": sibling[sel]}
        g[sel] = score(feats)
        entered[sel] = v[child[sel]] < expit(g[sel] + SIGMA * z[child[sel]])
        new = sel[entered[sel]]
        horizon = cal.dates_in_years(np.full(len(new), cohort + HORIZON_YEARS), 6, 1) - as_of[new]
        start[new] = as_of[new] + 1 + (when[child[new]] * (horizon - 2)).astype(np.int64)
        care_child.append(child[new])
        care_fam.append(fam[new])
        care_start.append(start[new])
    out = members.assign(g=g, p_bayes=p_bayes(g, SIGMA), entered_care=entered, care_start=start)
    episodes = care_episodes(pop, out[out["entered_care"]], extract, seed)
    return Outcomes(members=out, episodes=episodes)


def care_episodes(pop: Population, entrants: pd.DataFrame, extract: int, seed: int) -> pd.DataFrame:
    """The entries to care and, for realism, the referral, assessment and (half the time) CP plan
    before each; none of them is dated on or before the as-of date, so none enters g."""
    rng = stream(seed, "outcome-episodes")
    child = entrants["child"].to_numpy()
    as_of = entrants["as_of"].to_numpy()
    start = entrants["care_start"].to_numpy()
    n = len(child)
    end = start + care_duration(rng, n)
    parts = [episodes_frame(child, LAC, start, end)]
    referral = start - rng.integers(14, 121, n)
    ok = referral > as_of
    c, r = child[ok], referral[ok]
    a_start = r + rng.integers(0, 6, len(c))
    a_end = np.minimum(a_start + rng.integers(10, 31, len(c)), start[ok] - 1)
    factors = assessment_factors(pop, c, a_start, np.full(len(c), 4.0), rng)
    parts += [episodes_frame(c, CONTACT, r, r), episodes_frame(c, REFERRAL, r, r),
              episodes_frame(c, ASSESSMENT, a_start, np.maximum(a_end, a_start), factors)]
    plan = (rng.random(len(c)) < 0.5) & (a_end + 5 < start[ok] - 1)
    parts.append(episodes_frame(c[plan], CP_PLAN, a_end[plan] + 5, start[ok][plan] - 1))
    return pd.concat(parts, ignore_index=True)
