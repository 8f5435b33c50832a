"""A tiny, hand-written extract that satisfies the data contract: six pupils, every table.

Used by tests (which break one thing at a time) and as an example of what a valid extract looks
like. Values are invented; identifiers follow the pseudonymous style of a real extract.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ontrack_model.schema import MANIFEST_FILE
from ontrack_model.validation.engine import ALL_TABLES

SAMPLE_EXTRACT_DATE = "2024-08-31"

_ROWS: dict[str, list[tuple]] = {
    "pupils": [
        # pupil_id, family_id, sex, ethnicity, birth_month, eal, left_la_date
        ("P001", "F01", "F", "WHIT", "2012-10", "N", None),
        ("P002", "F01", "M", "WHIT", "2014-03", "N", None),
        ("P003", "F02", "M", "BLAC", "2012-11", "Y", None),
        ("P004", "F03", "F", "ASIA", "2013-01", "U", None),
        ("P005", "F03", "M", "ASIA", "2015-06", "Y", None),
        ("P006", "F04", "F", "MIXD", "2013-05", "N", "2024-07-20"),
    ],
    "school_census": [
        # pupil_id, census_date, school_id, borough, year_group, fsm, sen_status
        ("P001", "2023-10-05", "S01", "LBHF", 5, "N", "N"),
        ("P001", "2024-01-18", "S01", "LBHF", 5, "N", "N"),
        ("P002", "2023-10-05", "S01", "LBHF", 4, "N", "K"),
        ("P003", "2023-10-05", "S02", "RBKC", 5, "Y", "E"),
        ("P003", "2024-01-18", "S02", "RBKC", 5, "Y", "E"),
        ("P004", "2023-10-05", "S03", "WCC", 5, "Y", "N"),
        ("P005", "2023-10-05", "S03", "WCC", 3, "Y", "N"),
        ("P006", "2023-10-05", "S02", "RBKC", 5, "N", "K"),
    ],
    "attendance": [
        # pupil_id, school_id, academic_year, term, period_start, period_end, possible, auth, unauth
        ("P001", "S01", "2023/24", "AUT", "2023-09-06", "2023-12-20", 144, 4, 0),
        ("P001", "S01", "2023/24", "SPR", "2024-01-08", "2024-03-28", 112, 2, 1),
        ("P002", "S01", "2023/24", "AUT", "2023-09-06", "2023-12-20", 144, 6, 2),
        ("P003", "S02", "2023/24", "AUT", "2023-09-06", "2023-12-20", 144, 10, 14),
        ("P004", "S03", "2023/24", "AUT", "2023-09-06", "2023-12-20", 144, 3, 0),
        ("P005", "S03", "2023/24", "AUT", "2023-09-06", "2023-12-20", 144, 0, 0),
        ("P006", "S02", "2023/24", "AUT", "2023-09-06", "2023-12-20", 144, 8, 1),
    ],
    "exclusions": [
        # exclusion_id, pupil_id, school_id, start_date, category, sessions, reason
        ("X001", "P003", "S02", "2024-02-01", "SUSP", 2, "DB"),
        ("X002", "P004", "S03", "2024-03-11", "SUSP", 4, "VA"),
    ],
    "social_care": [
        # episode_id, pupil_id, episode_type, start_date, end_date, factors
        ("E001", "P003", "CONTACT", "2022-05-01", "2022-05-01", None),
        ("E002", "P003", "REFERRAL", "2022-05-03", "2022-05-03", None),
        ("E003", "P003", "ASSESSMENT", "2022-05-04", "2022-06-10", "DA;PMH"),
        ("E004", "P003", "CIN_PLAN", "2022-06-15", "2023-01-10", None),
        ("E005", "P004", "LAC", "2021-01-10", "2021-09-01", None),
        ("E006", "P004", "LAC", "2022-03-01", None, None),
        ("E007", "P005", "EARLY_HELP", "2023-09-01", "2024-02-01", None),
    ],
    "police_notifications": [
        # notification_id, family_id, incident_date, notification_type, children_present
        ("N001", "F02", "2022-04-28", "DA_INCIDENT", "Y"),
        ("N002", "F03", "2023-11-11", "DA_CRIME", "N"),
    ],
    "score15_responses": [
        # family_id, respondent_id, role, age, date, item_1 ... item_15
        ("F02", "R001", "parent", 38, "2024-03-01", *([2, 3, 4] * 5)),
        ("F02", "R002", "young_person", 12, "2024-03-01", *([3, 3, None] * 5)),
    ],
}


def sample_tables() -> dict[str, pd.DataFrame]:
    """The sample's tables, typed as `load_extract` returns them."""
    frames = {}
    for name, rows in _ROWS.items():
        table = ALL_TABLES[name]
        frame = pd.DataFrame(rows, columns=table.column_names)
        for col in table.columns:
            if col.type == "date":
                frame[col.name] = pd.to_datetime(frame[col.name], format="%Y-%m-%d").astype("datetime64[ns]")
            elif col.type == "int":
                frame[col.name] = frame[col.name].astype("int64" if col.required else "Int64")
            else:
                frame[col.name] = frame[col.name].astype("str")
        frames[name] = frame
    return frames


def _atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Write through a temporary file in the same folder, then rename, so no reader sees half a file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_extract(
    directory: str | Path,
    tables: dict[str, pd.DataFrame],
    manifest: dict,
    *,
    file_format: str = "csv",
) -> Path:
    """Write `tables` and `manifest` as an extract directory (CSV UTF-8 with header, or Parquet)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    _atomic(out / MANIFEST_FILE, lambda p: p.write_text(json.dumps(manifest, indent=2), encoding="utf-8"))
    for name, frame in tables.items():
        if file_format == "csv":
            _atomic(out / f"{name}.csv", lambda p, f=frame: f.to_csv(p, index=False, date_format="%Y-%m-%d"))
        elif file_format == "parquet":
            _atomic(out / f"{name}.parquet", lambda p, f=frame: f.to_parquet(p, index=False))
        else:
            raise ValueError(f"file_format must be 'csv' or 'parquet', not {file_format!r}")
    return out


def write_sample_extract(directory: str | Path, *, file_format: str = "csv") -> Path:
    """Write the hand-made sample extract (every table, manifest dated 2024-08-31) to `directory`."""
    manifest = {
        "extract_date": SAMPLE_EXTRACT_DATE,
        "synthetic": True,
        "description": "Tiny hand-made sample of the data contract (six invented pupils)",
        "boroughs": ["LBHF", "RBKC", "WCC"],
        "file_format": file_format,
    }
    return write_extract(directory, sample_tables(), manifest, file_format=file_format)
