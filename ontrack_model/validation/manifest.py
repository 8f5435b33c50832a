"""Read an extract's `manifest.json` into a `Manifest`, reporting every way it can be wrong."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from ontrack_model.errors import DataContractError
from ontrack_model.extract import Manifest
from ontrack_model.schema import MANIFEST_FILE
from ontrack_model.validation.findings import show_value
from ontrack_model.validation.report import Problem, make_problem

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KNOWN = {"extract_date", "synthetic", "description", "boroughs", "file_format"}
FILE_FORMATS = ("csv", "parquet")


def _problem(field_name: str | None, rule: str, detail: str, severity: str = "error") -> Problem:
    return make_problem(MANIFEST_FILE, None, field_name, rule, detail, severity=severity)  # type: ignore[arg-type]


def _parse_date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:  # e.g. 2024-02-30
        return None


def read_manifest(data_dir: str | Path) -> tuple[Manifest | None, list[Problem]]:
    """The manifest of the extract in `data_dir` (None if unusable) and its problems."""
    path = Path(data_dir) / MANIFEST_FILE
    if not path.is_file():
        return None, [
            _problem(
                None,
                "manifest_missing",
                f"the extract directory {Path(data_dir)} has no {MANIFEST_FILE}; add one holding at "
                'least {"extract_date": "YYYY-MM-DD"}, the day the records were taken',
            )
        ]
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        return None, [
            _problem(None, "encoding", f"the file is not UTF-8 text (byte {exc.start}); save it as UTF-8")
        ]
    except json.JSONDecodeError as exc:
        return None, [
            _problem(
                None,
                "manifest_not_json",
                f"the file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})",
            )
        ]
    if not isinstance(raw, dict):
        return None, [_problem(None, "manifest_not_json", "the file must hold one JSON object ({...})")]

    problems: list[Problem] = []
    extract_date = _parse_date(raw.get("extract_date"))
    if "extract_date" not in raw:
        problems.append(
            _problem(
                "extract_date",
                "extract_date",
                "extract_date is missing; give the day the records were taken as YYYY-MM-DD",
            )
        )
    elif extract_date is None:
        problems.append(
            _problem(
                "extract_date",
                "extract_date",
                f"extract_date {show_value(raw['extract_date'])} is not a real date written YYYY-MM-DD",
            )
        )

    synthetic = raw.get("synthetic", False)
    if not isinstance(synthetic, bool):
        problems.append(_problem("synthetic", "manifest_field", "synthetic must be true or false"))
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.append(_problem("description", "manifest_field", "description must be a string"))
    boroughs = raw.get("boroughs", [])
    if not isinstance(boroughs, list) or not all(isinstance(b, str) for b in boroughs):
        problems.append(_problem("boroughs", "manifest_field", "boroughs must be a list of strings"))
    file_format = raw.get("file_format", "csv")
    if file_format not in FILE_FORMATS:
        problems.append(
            _problem(
                "file_format",
                "manifest_field",
                f"file_format must be one of {', '.join(FILE_FORMATS)}; the files found "
                "are read whatever it says",
                severity="warning",
            )
        )
    if any(p.severity == "error" for p in problems) or extract_date is None:
        return None, problems
    manifest = Manifest(
        extract_date=extract_date,
        synthetic=synthetic,
        description=description,
        boroughs=tuple(boroughs),
        file_format=file_format if isinstance(file_format, str) else "csv",
        extra={k: v for k, v in raw.items() if k not in _KNOWN},
    )
    return manifest, problems


def load_manifest(data_dir: str | Path) -> Manifest:
    """The manifest of the extract in `data_dir`; DataContractError listing its problems if unusable."""
    manifest, problems = read_manifest(data_dir)
    errors = [p for p in problems if p.is_error]
    if manifest is None or errors:
        raise DataContractError(
            "The manifest breaks the data contract:\n" + "\n".join(f"- {p.message}" for p in errors),
            problems=errors,
        )
    return manifest
