"""Family features: siblings' social-care history and police domestic-abuse notifications.

A sibling is another child of the same household (same family_id). Only siblings' events dated
before the as-of date count, exactly as for the child; household size counts only siblings born
before the as-of month.
"""

from __future__ import annotations

import numpy as np

from ontrack_model.features import aggregate as agg
from ontrack_model.features.events import PreparedTables, Windows
from ontrack_model.features.social_care import CIN, CP, REFERRAL, open_on


def _household(
    t: PreparedTables, pupils: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cohort families, each member's family index, all children of those families and their family index."""
    families, family_of_member = np.unique(t.pupil_family[pupils], return_inverse=True)
    family_owner, c = t.family_pupils.take(families, ("pupil",))
    return families, family_of_member, c["pupil"], family_owner


def _minus_self(
    per_child: np.ndarray,
    family_owner: np.ndarray,
    n_families: int,
    family_of_member: np.ndarray,
    member_rows: np.ndarray,
) -> np.ndarray:
    """Household total of a per-child value, minus the cohort child's own value."""
    totals = np.bincount(family_owner, weights=per_child, minlength=n_families)
    return totals[family_of_member] - per_child[member_rows]


def sibling_features(t: PreparedTables, pupils: np.ndarray, w: Windows) -> dict[str, np.ndarray]:
    """Household size and siblings' referrals, child-in-need and protection plans and care."""
    families, family_of_member, household, family_owner = _household(t, pupils)
    n_house, n_families = len(household), len(families)
    row_of = np.full(len(t.pupil_ids), -1, dtype=np.int64)
    row_of[household] = np.arange(n_house)
    member_rows = row_of[pupils]

    owner, c = t.social_care.take(household, ("start", "end", "type"))
    seen = c["start"] < w.as_of
    is_open = open_on(c["start"], c["end"], w)
    referral = seen & (c["type"] == REFERRAL)
    c_owner, care = t.care.take(household, ("start", "end"))
    born = (t.birth_month[household] >= 0) & (t.birth_month[household] < w.as_of_month)

    per_child = {
        "siblings": born.astype(np.float64),
        "sibling_referrals_3y": agg.count(owner, referral & (c["start"] >= w.years_3), n_house),
        "sibling_referrals_ever": agg.count(owner, referral, n_house),
        "sibling_cin_plan_ever": agg.any_of(owner, seen & (c["type"] == CIN), n_house),
        "sibling_cp_plan_current": agg.any_of(owner, is_open & (c["type"] == CP), n_house),
        "sibling_cp_plan_ever": agg.any_of(owner, seen & (c["type"] == CP), n_house),
        "sibling_looked_after_current": agg.any_of(c_owner, open_on(care["start"], care["end"], w), n_house),
        "sibling_looked_after_ever": agg.any_of(c_owner, care["start"] < w.as_of, n_house),
    }
    return {
        name: _minus_self(values, family_owner, n_families, family_of_member, member_rows)
        for name, values in per_child.items()
    }


def police_features(t: PreparedTables, pupils: np.ndarray, w: Windows) -> dict[str, np.ndarray]:
    """Police domestic-abuse notifications for the child's household before the as-of date."""
    families, family_of_member = np.unique(t.pupil_family[pupils], return_inverse=True)
    n = len(families)
    owner, c = t.police.take(families, ("date", "crime", "children_present"))
    seen = c["date"] < w.as_of
    per_family = {
        "police_da_12m": agg.count(owner, seen & (c["date"] >= w.months_12), n),
        "police_da_3y": agg.count(owner, seen & (c["date"] >= w.years_3), n),
        "police_da_ever": agg.count(owner, seen, n),
        "police_da_children_present_ever": agg.count(owner, seen & c["children_present"], n),
        "police_da_crimes_ever": agg.count(owner, seen & c["crime"], n),
    }
    return {name: values[family_of_member] for name, values in per_family.items()}
