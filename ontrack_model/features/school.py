"""School features: attendance, suspensions and exclusions, census history (moves, FSM, SEN), EAL, age."""

from __future__ import annotations

import numpy as np

from ontrack_model.features import aggregate as agg
from ontrack_model.features.events import PreparedTables, Windows

PERSISTENT_ABSENCE_BELOW = 0.9  # DfE: persistently absent = missing 10% or more of possible sessions
CENSUS_GAP_DAYS = 200  # termly censuses are at most ~5 months apart; a longer gap means one was missed


def _in(days: np.ndarray, start: int, w: Windows) -> np.ndarray:
    return (days >= start) & (days < w.as_of)


def attendance_features(t: PreparedTables, pupils: np.ndarray, w: Windows) -> dict[str, np.ndarray]:
    """Attendance rates, trend, unauthorised absence and persistent absence from completed terms."""
    n = len(pupils)
    owner, c = t.attendance.take(pupils, ("end", "possible", "authorised", "unauthorised"))
    # A term is known once it has ended: the summer term running past the as-of date is not used.
    absent = c["authorised"] + c["unauthorised"]

    def rates(start: int) -> tuple[np.ndarray, np.ndarray]:
        mask = _in(c["end"], start, w)
        possible = agg.total(owner, mask, c["possible"], n)
        attended = 1.0 - agg.ratio(agg.total(owner, mask, absent, n), possible)
        unauthorised = agg.ratio(agg.total(owner, mask, c["unauthorised"], n), possible)
        return attended, unauthorised

    last_term, _ = rates(w.last_term)
    months_12, unauth_12 = rates(w.months_12)
    years_3, unauth_3 = rates(w.years_3)
    prev_mask = (c["end"] >= w.months_24) & (c["end"] < w.months_12)
    prev_possible = agg.total(owner, prev_mask, c["possible"], n)
    prev_12 = 1.0 - agg.ratio(agg.total(owner, prev_mask, absent, n), prev_possible)

    term_rate = agg.ratio(c["possible"] - absent, c["possible"])
    in_3y = _in(c["end"], w.years_3, w)
    low_terms = agg.count(owner, in_3y & (term_rate < PERSISTENT_ABSENCE_BELOW), n)
    has_3y = agg.count(owner, in_3y & (c["possible"] > 0), n) > 0
    return {
        "attendance_last_term": last_term,
        "attendance_12m": months_12,
        "attendance_prev_12m": prev_12,
        "attendance_trend": months_12 - prev_12,
        "attendance_3y": years_3,
        "unauthorised_absence_12m": unauth_12,
        "unauthorised_absence_3y": unauth_3,
        "persistent_absence_12m": agg.missing_unless(
            (months_12 < PERSISTENT_ABSENCE_BELOW).astype(np.float64), ~np.isnan(months_12)
        ),
        "persistent_absence_terms_3y": agg.missing_unless(low_terms, has_3y),
    }


def _in_school(t: PreparedTables, pupils: np.ndarray, w: Windows, start: int) -> np.ndarray:
    """True where the child has a census or a completed attendance term in [start, as-of)."""
    n = len(pupils)
    c_owner, c = t.census.take(pupils, ("date",))
    a_owner, a = t.attendance.take(pupils, ("end",))
    return (
        agg.count(c_owner, _in(c["date"], start, w), n) + agg.count(a_owner, _in(a["end"], start, w), n)
    ) > 0


def exclusion_features(t: PreparedTables, pupils: np.ndarray, w: Windows) -> dict[str, np.ndarray]:
    """Suspensions (counts, sessions, recency) and permanent exclusions started before the as-of date."""
    n = len(pupils)
    owner, c = t.exclusions.take(pupils, ("date", "permanent", "sessions"))
    known = c["date"] < w.as_of
    suspension = known & ~c["permanent"]

    def windowed(start: int, weights: np.ndarray | None = None) -> np.ndarray:
        mask = suspension & (c["date"] >= start)
        values = agg.count(owner, mask, n) if weights is None else agg.total(owner, mask, weights, n)
        # No school record in the window: the count is unknown, not zero.
        return agg.missing_unless(values, _in_school(t, pupils, w, start))

    last_day = agg.last(owner, suspension, c["date"].astype(np.float64), n)
    return {
        "suspensions_last_term": windowed(w.last_term),
        "suspensions_12m": windowed(w.months_12),
        "suspensions_3y": windowed(w.years_3),
        "suspensions_ever": agg.count(owner, suspension, n),
        "suspension_sessions_12m": windowed(w.months_12, c["sessions"]),
        "suspension_sessions_ever": agg.total(owner, suspension, c["sessions"], n),
        "permanent_exclusions_ever": agg.count(owner, known & c["permanent"], n),
        "months_since_last_suspension": np.floor(agg.months_between(last_day, w.as_of)),
    }


def census_features(t: PreparedTables, pupils: np.ndarray, w: Windows) -> dict[str, np.ndarray]:
    """School moves, missed censuses, time known to schools, FSM, SEN, EAL and relative age."""
    n = len(pupils)
    owner, c = t.census.take(pupils, ("date", "school", "fsm", "sen"))
    known = c["date"] < w.as_of
    # Consecutive known censuses of the same child (rows are in date order within a child).
    pair = known[1:] & known[:-1] & (owner[1:] == owner[:-1])
    later = np.flatnonzero(pair) + 1
    moved = c["school"][later] != c["school"][later - 1]
    gap = (c["date"][later] - c["date"][later - 1]) > CENSUS_GAP_DAYS
    recent = c["date"][later] >= w.years_3
    pair_owner = owner[later]
    ones = np.ones(len(later), dtype=bool)

    a_owner, a = t.attendance.take(pupils, ("start", "end"))
    first_census = agg.minimum(owner, known, c["date"], n)
    first_term = agg.minimum(a_owner, a["end"] < w.as_of, a["start"], n)
    first_seen = np.fmin(first_census, first_term)

    censuses = agg.count(owner, known, n)
    fsm_count = agg.count(owner, known & c["fsm"], n)
    sen_now = agg.last(owner, known, c["sen"].astype(np.float64), n)
    birth = t.birth_month[pupils]
    school_month = np.where(birth >= 0, (birth % 12 - 8) % 12 + 1, np.nan)  # September = 1 ... August = 12
    return {
        "school_moves_3y": agg.count(pair_owner, moved & recent, n),
        "school_moves_ever": agg.count(pair_owner, moved & ones, n),
        "missed_censuses_3y": agg.count(pair_owner, gap & recent, n),
        "months_known_to_schools": agg.months_between(first_seen, w.as_of),
        "fsm_now": agg.last(owner, known, c["fsm"].astype(np.float64), n),
        "fsm_ever": (fsm_count > 0).astype(np.float64),
        "fsm_share": agg.ratio(fsm_count, censuses),
        "sen_support_now": agg.missing_unless((sen_now == 1).astype(np.float64), ~np.isnan(sen_now)),
        "sen_ehcp_now": agg.missing_unless((sen_now == 2).astype(np.float64), ~np.isnan(sen_now)),
        "sen_ever": agg.any_of(owner, known & (c["sen"] >= 1), n),
        "eal": t.eal[pupils],
        "birth_month_in_school_year": school_month.astype(np.float64),
    }
