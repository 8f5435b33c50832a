"""Temporal splits: validate each model on a later cohort than any it was trained on.

Rolling origin: for each of the last `n_validation` labelled cohorts Y, train on the labelled
cohorts before Y and validate on Y. The final fit uses every labelled cohort and scores the
latest (censored) cohort. Only labelled cohorts may appear here: pass `labelled_years(...)`.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ontrack_model.errors import CohortError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TemporalSplit:
    """Train on `train_years`, validate on the later `validation_year`."""

    train_years: tuple[int, ...]
    validation_year: int

    def __post_init__(self) -> None:
        if not self.train_years or max(self.train_years) >= self.validation_year:
            raise CohortError(
                f"a temporal split must train only on cohorts before its validation cohort "
                f"{self.validation_year}; got training cohorts {list(self.train_years)}"
            )


def _labelled(labelled_years: Sequence[int]) -> list[int]:
    years = sorted({int(y) for y in labelled_years})
    if not years:
        raise CohortError(
            "no labelled cohort: every cohort's label horizon ends after the extract date, so there is "
            "nothing to train or validate on (use an extract covering more years, or a shorter horizon)"
        )
    return years


def rolling_origin_splits(
    labelled_years: Sequence[int], n_validation: int = 3, min_train_years: int = 3, min_gap_years: int = 1
) -> list[TemporalSplit]:
    """Splits validating on each of the last `n_validation` labelled cohorts, training on earlier ones.

    Training cohorts are at least `min_gap_years` before their validation cohort (1: every earlier
    cohort). Setting it to the label horizon trains only on cohorts whose outcomes were complete on
    the validation cohort's as-of date, as a deployment at that time would have had to. Validation
    cohorts with fewer than `min_train_years` training cohorts are skipped with a warning.
    """
    if n_validation < 1 or min_train_years < 1 or min_gap_years < 1:
        raise CohortError(
            f"n_validation ({n_validation}), min_train_years ({min_train_years}) and min_gap_years "
            f"({min_gap_years}) must each be at least 1"
        )
    years = _labelled(labelled_years)
    splits = []
    for validation in years[-n_validation:]:
        train = tuple(y for y in years if y <= validation - min_gap_years)
        if len(train) < min_train_years:
            log.warning(
                "skipped validation cohort %d: only %d earlier labelled cohorts (need %d)",
                validation,
                len(train),
                min_train_years,
            )
            continue
        splits.append(TemporalSplit(train, validation))
    if not splits:
        raise CohortError(
            f"no temporal split is possible: labelled cohorts {years} give no validation cohort with "
            f"{min_train_years} earlier cohorts to train on (at least {min_gap_years} years earlier)"
        )
    return splits


def final_fit_years(labelled_years: Sequence[int]) -> tuple[int, ...]:
    """Every labelled cohort: what the model that scores the current cohort is trained on."""
    return tuple(_labelled(labelled_years))


def plot_splits(
    splits: Sequence[TemporalSplit],
    final_years: Sequence[int],
    score_years: Sequence[int],
    path: str | Path,
    censored_years: Sequence[int] = (),
) -> Path:
    """Draw the splits (train, validate, final fit, score, unused censored) as a PNG, written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    colours = {"train": "#4c72b0", "validate": "#dd8452", "score": "#55a868", "censored, not used": "#d9d9d9"}
    rows = [(f"validate {s.validation_year}", s.train_years, (s.validation_year,), (), ()) for s in splits]
    rows.append(("final fit", tuple(final_years), (), tuple(score_years), tuple(censored_years)))
    all_years = sorted({y for row in rows for years in row[1:] for y in years})
    fig, ax = plt.subplots(figsize=(max(6.0, 0.5 * len(all_years) + 2), 0.6 * len(rows) + 1.5))
    for i, (_label, *groups) in enumerate(reversed(rows)):
        for years, kind in zip(groups, colours, strict=True):
            ax.barh([i] * len(years), [0.9] * len(years), left=[y - 0.45 for y in years], color=colours[kind])
    ax.set_yticks(range(len(rows)), [r[0] for r in reversed(rows)])
    ax.set_xticks(all_years, [str(y) for y in all_years], rotation=45)
    ax.set_xlabel("Year 6 cohort (school year ending in)")
    ax.set_title("Temporal splits\ntrain on earlier cohorts, validate on a later one")
    ax.legend(
        handles=[Patch(color=c, label=k) for k, c in colours.items()], loc="upper left", bbox_to_anchor=(1, 1)
    )
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".png")
    os.close(fd)
    try:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.remove(tmp)
    return path
