"""Vectorised per-child aggregates over gathered events (owner = the child's row in the cohort)."""

from __future__ import annotations

import numpy as np

DAYS_PER_MONTH = 365.25 / 12


def count(owner: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Number of masked events per owner, as float64."""
    return np.bincount(owner[mask], minlength=n).astype(np.float64)


def total(owner: np.ndarray, mask: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    """Sum of `weights` over masked events per owner."""
    return np.bincount(owner[mask], weights=weights[mask], minlength=n).astype(np.float64)


def any_of(owner: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """1.0 where an owner has a masked event, else 0.0."""
    return (count(owner, mask, n) > 0).astype(np.float64)


def last(owner: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int, fill: float = np.nan) -> np.ndarray:
    """Value of each owner's last masked event (events are in date order within an owner)."""
    out = np.full(n, fill, dtype=np.float64)
    rows = np.flatnonzero(mask)
    if rows.size:
        owners = owner[rows]
        is_last = np.r_[owners[1:] != owners[:-1], True]
        out[owners[is_last]] = values[rows[is_last]]
    return out


def minimum(owner: np.ndarray, mask: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Smallest masked value per owner (NaN when none)."""
    out = np.full(n, np.inf)
    np.minimum.at(out, owner[mask], values[mask].astype(np.float64))
    out[np.isinf(out)] = np.nan
    return out


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, NaN where the denominator is 0 (nothing recorded)."""
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def missing_unless(values: np.ndarray, known: np.ndarray) -> np.ndarray:
    """`values` with NaN where `known` is false (no record, rather than a count of zero)."""
    return np.where(known, values, np.nan)


def months_between(earlier_day: np.ndarray, later_day: int) -> np.ndarray:
    """Whole-and-fractional months from day numbers `earlier_day` to `later_day` (NaN stays NaN)."""
    return (later_day - earlier_day) / DAYS_PER_MONTH
