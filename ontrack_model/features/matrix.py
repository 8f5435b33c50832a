"""A cohort's feature matrix: features in dictionary order, labels, identifiers and audit attributes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ontrack_model.cohorts import Cohort, CohortConfig
from ontrack_model.errors import CohortError
from ontrack_model.extract import Extract
from ontrack_model.features.config import PROTECTED_ATTRIBUTES, FeatureConfig
from ontrack_model.features.dictionary import feature_specs
from ontrack_model.features.events import Windows, positions
from ontrack_model.features.family import police_features, sibling_features
from ontrack_model.features.reuse import prepared_for
from ontrack_model.features.school import attendance_features, census_features, exclusion_features
from ontrack_model.features.social_care import episode_features
from ontrack_model.schema import ETHNICITY_CODES

ID_COLUMNS = ("pupil_id", "family_id", "cohort", "label")
"""The leading columns of a written feature matrix; the features follow in dictionary order."""

AUDIT_COLUMNS = (*PROTECTED_ATTRIBUTES, "eal")

_SOURCES = (
    attendance_features,
    exclusion_features,
    census_features,
    episode_features,
    sibling_features,
    police_features,
)


@dataclass  # not frozen: callers subsample rows with copy() + assignment
class CohortMatrix:
    """Everything a model, an explanation or an audit needs about one cohort, row-aligned."""

    cohort: Cohort
    X: pd.DataFrame  # features (float64), index pupil_id, columns in dictionary order
    y: pd.Series | None  # Int8 labels, None when the cohort is censored
    ids: pd.DataFrame  # pupil_id, family_id, school_id, borough (same row order and index as X)
    attributes: pd.DataFrame  # PROTECTED_ATTRIBUTES + eal, for audits only (not features)

    @property
    def year(self) -> int:
        """The cohort year."""
        return self.cohort.year

    def to_frame(self) -> pd.DataFrame:
        """The file layout: pupil_id, family_id, cohort, label (empty when censored), then features."""
        head = pd.DataFrame(
            {
                "pupil_id": self.ids["pupil_id"].to_numpy(),
                "family_id": self.ids["family_id"].to_numpy(),
                "cohort": np.full(len(self.X), self.cohort.year, dtype=np.int64),
                "label": self.cohort.members["label"].array,
            }
        )
        return pd.concat([head, self.X.reset_index(drop=True)], axis=1)


def _protected_features(members: pd.DataFrame, config: FeatureConfig) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if "sex" in config.include_protected:
        sex = members["sex"]
        out["sex_female"] = np.where(sex.isna(), np.nan, (sex == "F").to_numpy(dtype=float, na_value=0.0))
    if "ethnicity" in config.include_protected:
        ethnicity = members["ethnicity"]
        for code in ETHNICITY_CODES:
            hit = (ethnicity == code).to_numpy(dtype=float, na_value=0.0)
            out[f"ethnicity_{code.lower()}"] = np.where(ethnicity.isna(), np.nan, hit)
    return out


class FeatureBuilder:
    """Builds cohorts and their matrices from one extract, preparing its tables only once.

    Results are identical to building each cohort alone: the prepared tables do not depend on
    which cohorts are asked for. Builders of the same extract share them (see `reuse`).
    """

    def __init__(
        self,
        extract: Extract,
        cohort_config: CohortConfig | None = None,
        feature_config: FeatureConfig | None = None,
    ) -> None:
        self.extract = extract
        self.feature_config = feature_config or FeatureConfig()
        self.specs = feature_specs(self.feature_config)
        self.cohorts, self.tables = prepared_for(extract, cohort_config or CohortConfig())

    @property
    def data_issues(self) -> dict[str, int]:
        """Counts of rows ignored or repaired while preparing the extract (for logs and run records)."""
        return {**self.cohorts.data_issues, **self.tables.data_issues}

    def features(self, cohort: Cohort) -> pd.DataFrame:
        """The cohort's features as of its as-of date: index pupil_id, float64, dictionary order."""
        ids = cohort.members["pupil_id"]
        pupils = positions(ids, self.tables.pupil_ids)
        if (pupils < 0).any():
            raise CohortError(
                f"cohort {cohort.year} has {int((pupils < 0).sum())} member(s) missing from this extract's "
                "pupils table: build the cohort from the same extract as its features"
            )
        windows = Windows.for_date(cohort.as_of)
        values: dict[str, np.ndarray] = {}
        for source in _SOURCES:
            values.update(source(self.tables, pupils, windows))
        values.update(_protected_features(cohort.members, self.feature_config))
        if set(values) != set(self.specs):  # a programming error: the dictionary and code disagree
            raise RuntimeError(
                f"feature code and dictionary disagree: {sorted(set(values) ^ set(self.specs))}"
            )
        frame = pd.DataFrame({name: np.asarray(values[name], dtype=np.float64) for name in self.specs})
        frame.index = pd.Index(ids.to_numpy(), name="pupil_id")
        return frame

    def matrix(self, year: int) -> CohortMatrix:
        """The cohort of `year` with its features, labels, identifiers and audit attributes."""
        cohort = self.cohorts.build(year)
        X = self.features(cohort)
        members = cohort.members
        index = X.index
        y = pd.Series(members["label"].array, index=index, name="label") if cohort.labelled else None
        ids = members[["pupil_id", "family_id", "school_id", "borough"]].set_axis(index.rename(None))
        attributes = members[list(AUDIT_COLUMNS)].set_axis(index)
        return CohortMatrix(cohort, X, y, ids, attributes)

    def matrices(self, years: Iterable[int]) -> dict[int, CohortMatrix]:
        """Matrices of several cohorts, keyed by year."""
        return {int(year): self.matrix(year) for year in years}


def build_features(extract: Extract, cohort: Cohort, config: FeatureConfig = FeatureConfig()) -> pd.DataFrame:
    """The features of `cohort` as of its as-of date (index pupil_id, columns in dictionary order)."""
    return FeatureBuilder(extract, feature_config=config).features(cohort)


def build_matrix(
    extract: Extract,
    year: int,
    cohort_config: CohortConfig = CohortConfig(),
    feature_config: FeatureConfig = FeatureConfig(),
) -> CohortMatrix:
    """The feature matrix of cohort `year`; calls on the same extract share its prepared tables."""
    return FeatureBuilder(extract, cohort_config, feature_config).matrix(year)


def build_matrices(
    extract: Extract,
    years: Iterable[int],
    cohort_config: CohortConfig = CohortConfig(),
    feature_config: FeatureConfig = FeatureConfig(),
) -> dict[int, CohortMatrix]:
    """Feature matrices of several cohorts from one extract, sharing the prepared tables."""
    return FeatureBuilder(extract, cohort_config, feature_config).matrices(years)
