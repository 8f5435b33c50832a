"""Scoring an analyst's uploaded feature matrix: parse, check against the model, predict.

Uploads come as CSV (raw `text/csv` or a multipart file) or JSON (`{"rows": [...]}`); every
problem is answered with a message naming the column (and first row) that breaks the rule.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd

from ontrack_model.errors import ModelInputError
from serving.errors import BadRequestError
from serving.model_source import ScoringModel

ID_COLUMNS = ("pupil_id", "family_id", "cohort", "label")


def frame_from_csv(data: bytes) -> pd.DataFrame:
    """A CSV upload as a frame of text cells (BadRequestError if unreadable or a header repeats)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadRequestError("the upload is not UTF-8 text: save the CSV file as UTF-8") from None
    first = text.split("\n", 1)[0]
    header = next(csv.reader([first]), [])
    if not header or not any(h.strip() for h in header):
        raise BadRequestError("the upload is empty: the first line must name the columns")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise BadRequestError(f"column {name!r} appears more than once in the header")
        seen.add(name)
    try:
        # All as text first, so a bad cell is reported by column and row rather than guessed at.
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, ValueError) as exc:
        raise BadRequestError(f"the upload is not a readable CSV file: {str(exc).splitlines()[0]}") from None


def frame_from_json(data: bytes) -> pd.DataFrame:
    """A JSON upload (`{"rows": [{...}, ...]}` or a bare list of objects) as a frame."""
    try:
        payload = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequestError(f"the upload is not valid JSON: {exc}") from None
    rows = payload.get("rows") if isinstance(payload, dict) else payload
    if not isinstance(rows, list):
        raise BadRequestError("field 'rows' must be a list of objects, one per pupil")
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BadRequestError(f"field 'rows' item {i} must be an object of column: value")
        for key, value in row.items():
            if isinstance(value, dict | list):
                raise BadRequestError(
                    f"column {key!r} in row {i} must be a number, not a nested {type(value).__name__}"
                )
    frame = pd.DataFrame.from_records(rows)
    return frame.astype(object).where(frame.notna(), None)


def check_matrix(frame: pd.DataFrame, feature_names: list[str]) -> tuple[list[str], pd.DataFrame]:
    """The pupil IDs and the numeric feature matrix in model column order (BadRequestError naming columns)."""
    if frame.empty:
        raise BadRequestError("the upload has no rows to score")
    if "pupil_id" not in frame.columns:
        raise BadRequestError("column 'pupil_id' is missing: every row needs a pupil ID")
    given = [c for c in frame.columns if c not in ID_COLUMNS]
    missing = [c for c in feature_names if c not in frame.columns]
    extra = [c for c in given if c not in set(feature_names)]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing columns {missing[:20]}" + (" ..." if len(missing) > 20 else ""))
        if extra:
            parts.append(
                f"unexpected columns {[str(c) for c in extra[:20]]}" + (" ..." if len(extra) > 20 else "")
            )
        raise BadRequestError(f"the upload does not match model's features: {'; '.join(parts)}")
    ids = frame["pupil_id"]
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        raise BadRequestError(
            f"column 'pupil_id' is empty in row {int(np.flatnonzero(blank.to_numpy())[0]) + 1}"
        )
    ids = ids.astype(str)
    dup = ids.duplicated()
    if dup.any():
        raise BadRequestError(f"column 'pupil_id' repeats {ids[dup].iloc[0]!r}: each pupil must appear once")
    matrix = pd.DataFrame(index=frame.index)
    for name in feature_names:
        raw = frame[name]
        if raw.dtype == bool:
            values = raw.astype(float)
        else:
            values = pd.to_numeric(raw.map(lambda v: float(v) if isinstance(v, bool) else v), errors="coerce")
        bad = values.isna() & raw.notna()
        bad |= np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
            raise BadRequestError(
                f"column {name!r} must hold numbers (empty for unknown); row {row} does not"
            )
        matrix[name] = values.astype(float)
    return ids.tolist(), matrix


def score_frame(model: ScoringModel, frame: pd.DataFrame) -> tuple[list[str], np.ndarray]:
    """Pupil IDs and the model's probabilities for an uploaded frame."""
    ids, matrix = check_matrix(frame, list(model.feature_names))
    try:
        proba = np.asarray(model.predict_proba(matrix), dtype=float)
    except ModelInputError as exc:
        raise BadRequestError(str(exc)) from None
    if proba.ndim == 2:  # scikit-learn style (n, 2): the positive class is the last column
        proba = proba[:, -1]
    return ids, proba
