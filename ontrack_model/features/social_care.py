"""Social-care features of the child: contacts, referrals, assessments and their factors, plans, care.

An episode is seen only if it started before the as-of date. Its end date is used only if it is
before the as-of date too: an episode ending later was simply open on the as-of date (nobody knew
then when it would end).
"""

from __future__ import annotations

import numpy as np

from ontrack_model.features import aggregate as agg
from ontrack_model.features.dictionary import FACTOR_FEATURES, factor_feature_name
from ontrack_model.features.events import EPISODE_CODES, FACTOR_BITS, PreparedTables, Windows

CONTACT, REFERRAL, ASSESSMENT = (
    EPISODE_CODES["CONTACT"],
    EPISODE_CODES["REFERRAL"],
    EPISODE_CODES["ASSESSMENT"],
)
EARLY_HELP, CIN, CP, LAC = (EPISODE_CODES[k] for k in ("EARLY_HELP", "CIN_PLAN", "CP_PLAN", "LAC"))
SOCIAL_CARE_EPISODES = (ASSESSMENT, CIN, CP, LAC)  # "open to social care"; early help is not statutory care


def open_on(start: np.ndarray, end: np.ndarray, w: Windows) -> np.ndarray:
    """Episodes open on the as-of date: started before it, not ended before it."""
    return (start < w.as_of) & (end >= w.as_of)


def days_before(start: np.ndarray, end: np.ndarray, w: Windows) -> np.ndarray:
    """Days of each episode before the as-of date (its end is capped at the as-of date)."""
    return np.maximum(np.minimum(end, w.as_of) - start, 0).astype(np.float64)


def episode_features(t: PreparedTables, pupils: np.ndarray, w: Windows) -> dict[str, np.ndarray]:
    """Contacts, referrals, assessments, assessment factors, plans, early help and care history."""
    n = len(pupils)
    owner, c = t.social_care.take(pupils, ("start", "end", "type", "factors"))
    start, end, kind = c["start"], c["end"], c["type"]
    seen = start < w.as_of

    def of(code: int) -> np.ndarray:
        return seen & (kind == code)

    def since(mask: np.ndarray, begin: int) -> np.ndarray:
        return mask & (start >= begin)

    out: dict[str, np.ndarray] = {}
    for name, code in (("contacts", CONTACT), ("referrals", REFERRAL), ("assessments", ASSESSMENT)):
        out[f"{name}_12m"] = agg.count(owner, since(of(code), w.months_12), n)
        out[f"{name}_3y"] = agg.count(owner, since(of(code), w.years_3), n)
        out[f"{name}_ever"] = agg.count(owner, of(code), n)
    for name, code in (("referral", REFERRAL), ("assessment", ASSESSMENT)):
        latest = agg.last(owner, of(code), start.astype(np.float64), n)
        out[f"months_since_last_{name}"] = np.floor(agg.months_between(latest, w.as_of))
    is_open = open_on(start, end, w)
    out["open_to_social_care"] = agg.any_of(owner, is_open & np.isin(kind, SOCIAL_CARE_EPISODES), n)

    # Factors are recorded when an assessment is completed, so only assessments ended before as-of count.
    completed = of(ASSESSMENT) & (end < w.as_of)
    for code, _group, _words, recent in FACTOR_FEATURES:
        has = completed & ((c["factors"] & FACTOR_BITS[code]) != 0)
        out[factor_feature_name(code, "ever")] = agg.any_of(owner, has, n)
        if recent:
            out[factor_feature_name(code, "3y")] = agg.any_of(owner, has & (end >= w.years_3), n)

    cp_days = days_before(start, end, w)
    out.update(
        {
            "cin_plan_current": agg.any_of(owner, of(CIN) & is_open, n),
            "cin_plan_ever": agg.any_of(owner, of(CIN), n),
            "cp_plan_current": agg.any_of(owner, of(CP) & is_open, n),
            "cp_plan_ever": agg.any_of(owner, of(CP), n),
            "cp_plans_ever": agg.count(owner, of(CP), n),
            "cp_plan_months": agg.total(owner, of(CP), cp_days, n) / agg.DAYS_PER_MONTH,
            "early_help_current": agg.any_of(owner, of(EARLY_HELP) & is_open, n),
            "early_help_ever": agg.any_of(owner, of(EARLY_HELP), n),
            "early_help_3y": agg.count(owner, since(of(EARLY_HELP), w.years_3), n),
        }
    )
    out.update(care_features(t, pupils, w))
    return out


def care_features(t: PreparedTables, pupils: np.ndarray, w: Windows) -> dict[str, np.ndarray]:
    """Ever looked after, and months in care, from periods of care started before the as-of date."""
    n = len(pupils)
    owner, c = t.care.take(pupils, ("start", "end"))
    seen = c["start"] < w.as_of
    return {
        "looked_after_ever": agg.any_of(owner, seen, n),
        "months_looked_after": agg.total(owner, seen, days_before(c["start"], c["end"], w), n)
        / agg.DAYS_PER_MONTH,
    }
