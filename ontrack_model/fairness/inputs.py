"""Check the pupil-level audit frame and turn its attributes into group codes.

The audit frame holds one row per child of one cohort: pupil_id, family_id, score (higher =
riskier), probability (calibrated), label (0/1, or all missing for the current cohort) and the
attribute columns. Several cohorts can be audited together (`pool_cohorts`): each keeps its own
list of the top k families, and the audit counts all the lists at once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ontrack_model.errors import DataContractError
from ontrack_model.fairness.config import (
    INTERSECTION_SEPARATOR,
    MISSING_GROUP,
    AuditConfig,
    intersection_name,
)
from ontrack_model.ranking import family_scores

TABLE = "audit frame"
CORE_COLUMNS = ("pupil_id", "family_id", "score", "probability", "label")
POOL_COLUMN = "_pooled_cohort"  # set by pool_cohorts: which cohort's list a child belongs to


@dataclass(frozen=True)
class GroupSpec:
    """One audited attribute (or intersection): its group labels and each child's group code."""

    attribute: str
    labels: list[str]  # sorted group labels; code i is labels[i]
    codes: np.ndarray  # int per child
    components: dict[str, tuple[str, ...]] | None  # intersections: label -> the single-attribute labels
    parents: tuple[str, ...] = ()  # intersections: the single attributes it combines


@dataclass(frozen=True)
class PreparedCohort:
    """A checked audit frame with the selection at capacity and the family order of the ranking."""

    frame: pd.DataFrame
    k: int
    labelled: bool
    selected: np.ndarray  # bool per child: family in the top k of its cohort
    family_index: np.ndarray  # int per child: its family's position in the ranking order below
    n_families: int
    groups: list[GroupSpec]
    # Families are ordered cohort by cohort, riskiest first within each; cohort_starts[i] is the
    # position of cohort i's first family. One cohort: [0].
    cohort_starts: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))

    @property
    def cohort_sizes(self) -> np.ndarray:
        """Families in each pooled cohort ([n_families] for one cohort)."""
        return np.diff(np.append(self.cohort_starts, self.n_families))

    @property
    def within_cohort_rank(self) -> np.ndarray:
        """Each family's place (0 = riskiest) on its own cohort's ranking, in ranking order."""
        return np.arange(self.n_families) - np.repeat(self.cohort_starts, self.cohort_sizes)


def _rows(frame: pd.DataFrame, mask: pd.Series | np.ndarray, limit: int = 5) -> str:
    ids = frame.loc[np.asarray(mask), "pupil_id"].astype(str).tolist()
    shown = ", ".join(ids[:limit]) + (" …" if len(ids) > limit else "")
    return f"{len(ids)} row(s), pupil_id {shown}"


def _check(frame: pd.DataFrame, config: AuditConfig) -> tuple[pd.DataFrame, bool]:
    required = list(CORE_COLUMNS) + [c for c in config.columns if c not in CORE_COLUMNS]
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataContractError(f"{TABLE}: missing column(s) {missing}; required: {required}")
    if frame.empty:
        raise DataContractError(f"{TABLE}: has no rows; an audit needs a scored cohort")
    out = frame[required].reset_index(drop=True).copy()
    dup = out["pupil_id"].duplicated(keep=False)
    if dup.any():
        raise DataContractError(f"{TABLE}: column pupil_id must be unique; duplicated in {_rows(out, dup)}")
    for col in ("pupil_id", "family_id"):
        bad = out[col].isna()
        if bad.any():
            raise DataContractError(f"{TABLE}: column {col} must not be empty; empty in {_rows(out, bad)}")
    for col, low, high in (("score", -np.inf, np.inf), ("probability", 0.0, 1.0)):
        values = pd.to_numeric(out[col], errors="coerce").astype("float64")
        bad = values.isna() | ~np.isfinite(values) | (values < low) | (values > high)
        if bad.any():
            rule = "a finite number" if col == "score" else "a number between 0 and 1"
            raise DataContractError(f"{TABLE}: column {col} must be {rule}; broken in {_rows(out, bad)}")
        out[col] = values
    label = pd.to_numeric(out["label"], errors="coerce").astype("Float64")
    had_value = out["label"].notna()
    if label.isna().all() and not had_value.any():
        labelled = False
    else:
        bad = label.isna() | ~label.isin([0.0, 1.0])
        if bad.any():
            raise DataContractError(
                f"{TABLE}: column label must be 0 or 1 for every child of a labelled cohort (or empty for "
                f"every child of the current cohort); broken in {_rows(out, bad.to_numpy(dtype=bool))}"
            )
        labelled = True
    out["label"] = label.fillna(0.0).astype("float64") if labelled else np.nan
    return out, labelled


def _labels(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna(MISSING_GROUP).astype(str)


def group_specs(frame: pd.DataFrame, config: AuditConfig) -> list[GroupSpec]:
    """Code each child's group for every audited attribute and intersection (missing -> 'missing')."""
    specs: list[GroupSpec] = []
    singles = {col: _labels(frame[col]) for col in config.columns}
    for col in config.attributes:
        labels = sorted(singles[col].unique())
        codes = pd.Categorical(singles[col], categories=labels).codes.astype(np.int64)
        specs.append(GroupSpec(col, labels, codes, None))
    for combo in config.intersections:
        parts = pd.DataFrame({c: singles[c] for c in combo})
        joined = parts[combo[0]].str.cat([parts[c] for c in combo[1:]], sep=INTERSECTION_SEPARATOR)
        labels = sorted(joined.unique())
        codes = pd.Categorical(joined, categories=labels).codes.astype(np.int64)
        first = parts.assign(_label=joined).drop_duplicates("_label")
        components = {row[-1]: tuple(row[:-1]) for row in first.itertuples(index=False, name=None)}
        specs.append(GroupSpec(intersection_name(combo), labels, codes, components, tuple(combo)))
    return specs


def pool_cohorts(frames: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """One audit frame holding several cohorts, each to be ranked on its own list.

    Families and pupils are keyed by cohort as well, so a family with children in two cohorts
    counts once in each cohort's list (the bootstrap treats the two as separate units).
    """
    if not frames:
        raise DataContractError(f"{TABLE}: pooling needs at least one cohort")
    parts = []
    for year in sorted(frames):
        frame = frames[year]
        for col in ("pupil_id", "family_id"):
            if col not in frame.columns:
                raise DataContractError(f"{TABLE}: cohort {year} has no column {col}")
        parts.append(frame.assign(
            pupil_id=f"{year}/" + frame["pupil_id"].astype(str),
            family_id=f"{year}/" + frame["family_id"].astype(str),
            **{POOL_COLUMN: int(year)},
        ))
    return pd.concat(parts, ignore_index=True)


def _ranked_families(frame: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Families in ranking order, cohort by cohort, and where each cohort starts."""
    if POOL_COLUMN not in frame.columns:
        return family_scores(frame), np.zeros(1, dtype=np.int64)
    parts = [family_scores(part) for _, part in frame.groupby(POOL_COLUMN, sort=True)]
    starts = np.cumsum([0] + [len(p) for p in parts[:-1]]).astype(np.int64)
    return pd.concat(parts, ignore_index=True), starts


def prepare(frame: pd.DataFrame, k: int, config: AuditConfig) -> PreparedCohort:
    """Check the audit frame, select the top k families (of each cohort) and code every audited group."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k <= 0:
        raise DataContractError(f"capacity k must be a positive whole number of families, got {k!r}")
    checked, labelled = _check(frame, config)
    if POOL_COLUMN in frame.columns:
        checked[POOL_COLUMN] = frame[POOL_COLUMN].to_numpy()
    ranked, starts = _ranked_families(checked)
    position = pd.Series(np.arange(len(ranked)), index=ranked["family_id"].to_numpy())
    family_index = position.loc[checked["family_id"].to_numpy()].to_numpy(dtype=np.int64)
    prepared = PreparedCohort(
        frame=checked,
        k=int(k),
        labelled=labelled,
        selected=np.zeros(len(checked), dtype=bool),
        family_index=family_index,
        n_families=len(ranked),
        groups=group_specs(checked, config),
        cohort_starts=starts,
    )
    chosen = prepared.within_cohort_rank < int(k)
    return dataclasses.replace(prepared, selected=chosen[family_index])
