"""Scoring one cohort of an extract with a registered model (the champion by default)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ontrack_model import tracking
from ontrack_model.cohorts import CohortConfig
from ontrack_model.features import build_matrix
from ontrack_model.validation import load_extract


def with_attributes(scored: pd.DataFrame, matrix) -> pd.DataFrame:
    """Scored children joined to their protected attributes (by position: same cohort order)."""
    attrs = matrix.attributes.reset_index(drop=True)
    frame = scored.reset_index(drop=True).copy()
    for col in attrs.columns:
        if col not in frame:
            frame[col] = attrs[col].to_numpy()
    return frame


def score_cohort(
    data_dir: str | Path, year: int, model_uri: str | None = None, cohort_config: CohortConfig | None = None
) -> pd.DataFrame:
    """Pupil-level scores of cohort `year`: ids, score (log-odds), probability, label, attributes.

    `model_uri` is a registry version number; None means the current champion.
    """
    model = tracking.load_champion() if model_uri is None else tracking.load_model_version(model_uri)
    extract = load_extract(data_dir)
    matrix = build_matrix(extract, year, cohort_config or CohortConfig())
    frame = matrix.ids[["pupil_id", "family_id"]].reset_index(drop=True).copy()
    frame["score"] = model.margin(matrix.X)
    frame["probability"] = model.predict_proba(matrix.X)
    frame["label"] = pd.array([pd.NA] * len(frame), dtype="Int8") if matrix.y is None else matrix.y.to_numpy()
    attrs = matrix.attributes.reset_index(drop=True)
    for col in attrs.columns:
        frame[col] = attrs[col].to_numpy()
    return frame
