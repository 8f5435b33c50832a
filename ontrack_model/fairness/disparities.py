"""Disparity ratios to a reference group, and flags where a ratio's interval leaves the band.

As in Aequitas, each group's metric is divided by the reference group's; a ratio within the band
(default 0.8–1.25) is treated as parity. A flag needs more than a point outside the band: the
whole bootstrap interval of the ratio must lie outside it, so small groups with wide intervals
are reported but not flagged.
"""

from __future__ import annotations

import numpy as np

from ontrack_model.errors import ConfigError
from ontrack_model.fairness.config import MISSING_GROUP


def choose_reference(
    attribute: str,
    labels: list[str],
    sizes: np.ndarray,
    requested: str | None,
    min_size: int,
) -> tuple[str | None, str | None]:
    """The reference group of `attribute` and a note when the choice departs from the request.

    Default: the largest group (ties by label; never the 'missing' group). A requested group that
    is too small is replaced by the largest group, with a note; if even that is too small, no
    ratios are computed (reference None). Notes never give a small group's exact size.
    """
    if requested is not None and requested not in labels:
        raise ConfigError(
            f"reference group {requested!r} for attribute {attribute!r} is not in the cohort; "
            f"groups present: {labels}"
        )
    candidates = [(float(s), lab) for lab, s in zip(labels, sizes, strict=True) if lab != MISSING_GROUP]
    largest = min(candidates, key=lambda c: (-c[0], c[1]), default=None)
    if requested is not None:
        size = float(sizes[labels.index(requested)])
        if size >= min_size:
            return requested, None
        if largest is not None and largest[0] >= min_size:
            return largest[1], (
                f"{attribute}: requested reference group {requested!r} has fewer than {min_size} children; "
                f"the largest group {largest[1]!r} is used instead"
            )
    elif largest is not None and largest[0] >= min_size:
        return largest[1], None
    return None, (
        f"{attribute}: no group has at least {min_size} children, so no disparity ratios are reported"
    )


def ratios(values: np.ndarray, ref: int) -> np.ndarray:
    """Each column divided by the reference column (last axis); 0/0 and x/0 are NaN (undefined)."""
    den = values[..., ref : ref + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = values / den
    out[~np.isfinite(out)] = np.nan
    return out


def flag_direction(low: float, high: float, band: tuple[float, float]) -> str | None:
    """'above' or 'below' when the interval [low, high] lies wholly outside the band, else None."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    if low > band[1]:
        return "above"
    if high < band[0]:
        return "below"
    return None
