"""Children's social-care histories from birth to the extract date, driven by hidden need.

Contacts arrive at a rate that rises with the family's need that year (and police notifications
with children present add some); some contacts become referrals, most referrals an assessment
listing the factors found; the assessment's severity leads to early help, a child-in-need plan, a
child-protection plan, or (rarely, mostly via a CP plan) care. Episodes of one kind never overlap
for a child, and no plan starts while the child is looked after.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

from ontrack_model.schema import EPISODE_TYPES
from ontrack_model.synth import school_calendar as cal
from ontrack_model.synth.grids import YearGrid, draw_events, year_grid
from ontrack_model.synth.population import CHILD_FACTORS, FACTOR_CODES, FAMILY_FACTORS, Population
from ontrack_model.synth.streams import stream

EPISODES = tuple(EPISODE_TYPES)
CONTACT, REFERRAL, ASSESSMENT, EARLY_HELP, CIN_PLAN, CP_PLAN, LAC = (EPISODES.index(t) for t in (
    "CONTACT", "REFERRAL", "ASSESSMENT", "EARLY_HELP", "CIN_PLAN", "CP_PLAN", "LAC"))
ADULT_DAYS = 6574  # 18 years: care and children's services end at 18

# Contacts per year: exp(CONTACT_INTERCEPT + need + child's own risk + age effect). Set so that
# ~16-20% of Year 6 pupils have ever been referred (base-rates.md: "16% of children at least once
# in the previous 8 years; about 25% before age 16").
CONTACT_INTERCEPT = -4.45
AGE_EFFECT = np.array([0.9, 0.1, 0.0, 0.0, 0.0, 0.05, 0.1, 0.1, 0.1, 0.15, 0.2, 0.25, 0.35, 0.45,
                       0.5, 0.5, 0.45, 0.35])
POLICE_CONTACT = 0.5  # share of notifications with children present that reach children's services
REFERRAL_INTERCEPT = -0.6  # a contact becomes a referral with expit(-0.6 + 0.6 need)
ASSESSED = 0.85  # referrals leading to an assessment
FACTOR_FOUND = 0.8  # a family factor that is present is recorded at assessment
FACTOR_FALSE = 0.01
# The child's own factors rise with age (logit intercept, slope per year): mental health, going
# missing, criminal exploitation.
CHILD_FACTOR_LOGIT = {"CMH": (-5.4, 0.2), "MIS": (-8.2, 0.3), "CCE": (-9.4, 0.35)}
# Severity at assessment = need + child's risk + noise; thresholds (in severity units) for what
# follows. CP threshold set for ~0.4% of children on a plan at a point in time (base-rates.md:
# 42.8 per 10,000); CIN for ~3% in need at a point in time (≈324 per 10,000).
SEVERITY_NOISE = 0.7
CP_THRESHOLD = 3.35
CIN_THRESHOLD = 1.1
EARLY_HELP_THRESHOLD = 0.9
EMERGENCY_THRESHOLD = 4.3
# Care: from a CP plan with expit(LAC_INTERCEPT + 1.2 (severity - CP_THRESHOLD) + age terms);
# looked-after rate ~71 per 10,000 under-18s (base-rates.md), more for infants and teenagers.
LAC_INTERCEPT = -2.2
LAC_SHORT_SHARE = 0.4
MEDIAN_DAYS = {"assessment": 28, "early_help": 180, "cin": 450, "cp": 270, "lac_short": 90, "lac_long": 900}


def _lognormal(rng: np.random.Generator, median: float, sigma: float, n: int) -> np.ndarray:
    return np.maximum(1, rng.lognormal(np.log(median), sigma, n)).astype(np.int64)


def episodes_frame(child, etype, start, end, factors=None) -> pd.DataFrame:
    """Episodes in the internal layout: child, etype, start, end, factors (bit mask, 0 = none)."""
    n = len(child)
    return pd.DataFrame({
        "child": np.asarray(child, dtype=np.int64),
        "etype": np.full(n, etype, dtype=np.int8) if np.isscalar(etype) else np.asarray(etype, np.int8),
        "start": np.asarray(start, dtype=np.int64),
        "end": np.asarray(end, dtype=np.int64),
        "factors": np.zeros(n, np.int16) if factors is None else np.asarray(factors, np.int16),
    })


def record_bounds(pop: Population, extract: int) -> tuple[np.ndarray, np.ndarray]:
    """First and last day each child can have a record: max(arrival, records start) ..
    min(departure, extract, 18th birthday)."""
    last = np.minimum(np.minimum(pop.child_leave() - 1, extract), pop.child_birth + ADULT_DAYS - 1)
    return np.maximum(pop.child_entry(), pop.records_from), last


def assessment_factors(
    pop: Population, child: np.ndarray, day: np.ndarray, severity: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Factor bit masks found at assessments of these children on these days."""
    fam = pop.child_family[child]
    mask = np.zeros(len(child), dtype=np.int16)
    for j, code in enumerate(FAMILY_FACTORS):
        present = pop.fam_factors[fam, j]
        draw = rng.random(len(child))
        found = np.where(present, draw < FACTOR_FOUND, draw < FACTOR_FALSE)
        mask |= found.astype(np.int16) << FACTOR_CODES.index(code)
    age = (day - pop.child_birth[child]) / 365.25
    for code in CHILD_FACTORS:
        intercept, slope = CHILD_FACTOR_LOGIT[code]
        found = rng.random(len(child)) < expit(intercept + slope * age + 0.4 * severity)
        mask |= found.astype(np.int16) << FACTOR_CODES.index(code)
    return mask


def drop_overlaps(episodes: pd.DataFrame) -> pd.DataFrame:
    """Keep, per child and kind of plan or care, only episodes starting after every earlier one
    has ended (contacts, referrals and assessments may fall close together)."""
    lasting = episodes["etype"].isin([EARLY_HELP, CIN_PLAN, CP_PLAN, LAC]).to_numpy()
    ep = episodes[lasting].sort_values(["child", "etype", "start", "end"], kind="stable")
    prev_end = ep.groupby(["child", "etype"], sort=False)["end"].cummax()
    prev_end = prev_end.groupby([ep["child"], ep["etype"]], sort=False).shift(1)
    return pd.concat([episodes[~lasting], ep[~(prev_end >= ep["start"])]])


def contact_rates(pop: Population, grid: YearGrid) -> np.ndarray:
    """Contacts a year in each (child, year) cell: they rise with the family's need that year, the
    child's own risk and age."""
    child = grid.unit
    age = np.clip(grid.year - cal.calendar_year(pop.child_birth[child]), 0, len(AGE_EFFECT) - 1)
    need = pop.fam_need[pop.child_family[child], grid.year - pop.first_need_year]
    return np.exp(CONTACT_INTERCEPT + need + pop.child_risk[child] + AGE_EFFECT[age])


def latent_history(pop: Population, police: pd.DataFrame, extract: int, seed: int) -> pd.DataFrame:
    """Every child's true social-care episodes (child, etype, start, end, factors) up to 18."""
    rng = stream(seed, "social-care")
    first, last = record_bounds(pop, extract)
    grid = year_grid(first, last + 1)
    cell, day = draw_events(grid, contact_rates(pop, grid), rng)
    c_child, c_day = grid.unit[cell], day

    # Police notifications with children present reach children's services for some children.
    p_child, p_day = _police_contacts(pop, police, first, last, rng)
    c_child = np.concatenate([c_child, p_child])
    c_day = np.concatenate([c_day, p_day])
    history = pd.concat(follow_contacts(pop, c_child, c_day, last, rng), ignore_index=True)
    return tidy(history, first, last, pop)


def follow_contacts(
    pop: Population,
    c_child: np.ndarray,
    c_day: np.ndarray,
    last: np.ndarray,
    rng: np.random.Generator,
    *,
    care: bool = True,
) -> list[pd.DataFrame]:
    """What follows each contact: a referral, an assessment with the factors found, and early help
    or a plan by the assessment's severity; with `care`, entries to care from the gravest ones."""
    c_need = pop.need_at(pop.child_family[c_child], c_day) + pop.child_risk[c_child]
    parts = [episodes_frame(c_child, CONTACT, c_day, c_day)]

    referred = rng.random(len(c_child)) < expit(REFERRAL_INTERCEPT + 0.6 * c_need)
    r_child, r_need = c_child[referred], c_need[referred]
    r_day = np.minimum(c_day[referred] + rng.integers(0, 3, len(r_child)), last[r_child])
    parts.append(episodes_frame(r_child, REFERRAL, r_day, r_day))
    # Early help straight from a contact that was not referred.
    eh = ~referred & (rng.random(len(c_child)) < 0.08 * expit(c_need - 1))
    eh_start = c_day[eh] + rng.integers(5, 40, eh.sum())
    eh_end = eh_start + _lognormal(rng, 150, 0.5, eh.sum())
    parts.append(episodes_frame(c_child[eh], EARLY_HELP, eh_start, eh_end))

    assessed = rng.random(len(r_child)) < ASSESSED
    a_child, a_need = r_child[assessed], r_need[assessed]
    a_start = r_day[assessed] + rng.integers(0, 8, len(a_child))
    a_end = a_start + rng.integers(10, 46, len(a_child))
    severity = a_need + SEVERITY_NOISE * rng.standard_normal(len(a_child))
    factors = assessment_factors(pop, a_child, a_start, severity, rng)
    parts.append(episodes_frame(a_child, ASSESSMENT, a_start, a_end, factors))

    cp = severity > CP_THRESHOLD
    cin = ~cp & (severity > CIN_THRESHOLD)
    ehelp = ~cp & ~cin & (severity > EARLY_HELP_THRESHOLD)
    for kind, sel, delay, median, sigma in (
        (CP_PLAN, cp, (5, 31), MEDIAN_DAYS["cp"], 0.5),
        (CIN_PLAN, cin, (0, 15), MEDIAN_DAYS["cin"], 0.6),
        (EARLY_HELP, ehelp, (0, 31), MEDIAN_DAYS["early_help"], 0.5),
    ):
        start = a_end[sel] + rng.integers(*delay, sel.sum())
        end = start + _lognormal(rng, median, sigma, sel.sum())
        parts.append(episodes_frame(a_child[sel], kind, start, end))
    if not care:
        return parts

    # Care: during a CP plan (the plan ends when care starts) or straight after a grave assessment.
    cp_part = parts[-3]
    cp_sev, cp_age = severity[cp], (a_start[cp] - pop.child_birth[a_child[cp]]) / 365.25
    age_term = 1.6 * (cp_age < 1) + 0.6 * (cp_age < 5) + 0.1 * np.maximum(cp_age - 10, 0)
    to_care = rng.random(cp.sum()) < expit(LAC_INTERCEPT + 1.2 * (cp_sev - CP_THRESHOLD) + age_term)
    cp_start, cp_end = cp_part["start"].to_numpy(), cp_part["end"].to_numpy()
    lac_from_cp = cp_start + (rng.random(cp.sum()) * (cp_end - cp_start)).astype(np.int64)
    parts[-3] = cp_part.assign(end=np.where(to_care, np.maximum(lac_from_cp, cp_start), cp_end))
    emergency = (severity > EMERGENCY_THRESHOLD) & (rng.random(len(a_child)) < 0.4)
    lac_child = np.concatenate([a_child[cp][to_care], a_child[emergency]])
    emergency_start = a_start[emergency] + rng.integers(0, 4, emergency.sum())
    lac_start = np.concatenate([lac_from_cp[to_care], emergency_start])
    parts.append(episodes_frame(lac_child, LAC, lac_start, lac_start + care_duration(rng, len(lac_child))))
    return parts


def care_duration(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days in care: a mix of short stays (return home within months) and long ones."""
    short = rng.random(n) < LAC_SHORT_SHARE
    return np.where(short, _lognormal(rng, MEDIAN_DAYS["lac_short"], 0.6, n),
                    _lognormal(rng, MEDIAN_DAYS["lac_long"], 0.7, n))


def tidy(history: pd.DataFrame, first: np.ndarray, last: np.ndarray, pop: Population) -> pd.DataFrame:
    """Clip episodes to each child's recordable span, keep kinds from overlapping, and drop plans
    that would start while the child is looked after."""
    child = history["child"].to_numpy()
    start = history["start"].to_numpy()
    keep = (start >= first[child]) & (start <= last[child])
    history = history[keep]
    child = history["child"].to_numpy()
    # Episodes end at 18 or when the family leaves; a later end than the extract date stays
    # internal (the writer shows such an episode as open).
    end_cap = np.minimum(pop.child_birth[child] + ADULT_DAYS - 1, pop.child_leave()[child] - 1)
    history = history.assign(end=np.maximum(np.minimum(history["end"].to_numpy(), end_cap),
                                            history["start"].to_numpy()))
    history = avoid_as_of_days(history)
    history = drop_overlaps(history)
    return drop_plans_in_care(history).sort_values(["child", "start", "etype"], kind="stable")


def avoid_as_of_days(history: pd.DataFrame) -> pd.DataFrame:
    """Move LAC starts and ends off 1 June (the as-of day) so 'looked after on the as-of date'
    and 'entered care after it' never hinge on how a reader compares equal dates."""
    is_lac = history["etype"].to_numpy() == LAC
    start, end = history["start"].to_numpy().copy(), history["end"].to_numpy().copy()
    for arr in (start, end):
        on = is_lac & _is_june_first(arr)
        arr[on] += 1
    return history.assign(start=start, end=np.maximum(end, start))


def _is_june_first(days: np.ndarray) -> np.ndarray:
    d = days.astype("datetime64[D]")
    month_start = d.astype("datetime64[M]")
    return (month_start.astype(np.int64) % 12 == 5) & (d == month_start.astype("datetime64[D]"))


def drop_plans_in_care(history: pd.DataFrame) -> pd.DataFrame:
    """Drop early-help, CIN and CP episodes that start while the same child is looked after."""
    lac = history[history["etype"] == LAC][["child", "start", "end"]].sort_values("start")
    plans = history["etype"].isin([EARLY_HELP, CIN_PLAN, CP_PLAN]).to_numpy()
    if not plans.any() or lac.empty:
        return history
    probe = history.loc[plans, ["child", "start"]].reset_index().sort_values("start")
    hit = pd.merge_asof(probe, lac.rename(columns={"start": "lac_start", "end": "lac_end"}),
                        left_on="start", right_on="lac_start", by="child", direction="backward")
    inside = hit.loc[hit["lac_end"] >= hit["start"], "index"]
    return history.drop(index=inside)


def _police_contacts(
    pop: Population, police: pd.DataFrame, first: np.ndarray, last: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    present = police[police["children_present"].to_numpy() == 0]
    fam = present["family"].to_numpy()
    order = np.argsort(pop.child_family, kind="stable")
    counts = np.bincount(pop.child_family, minlength=pop.n_families)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    per = counts[fam]
    src = np.repeat(np.arange(len(fam)), per)
    within = np.arange(per.sum()) - np.repeat(np.cumsum(per) - per, per)
    child = order[offsets[fam[src]] + within]
    day = present["day"].to_numpy()[src] + rng.integers(0, 6, len(src))
    ok = (day >= first[child]) & (day <= last[child]) & (rng.random(len(src)) < POLICE_CONTACT)
    return child[ok], day[ok]
