"""SCORE-15 responses uploaded to the service, kept in its database in paper coding.

Uploads are validated by `ontrack_model.score15.read_responses` (the coding is stated, never
guessed); stored rows carry the family's borough so practitioners see only their own families.
A later upload of the same respondent and date replaces the earlier one when read back.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd

from ontrack_model.errors import Score15Error
from ontrack_model.score15 import ResponseSet, read_responses
from ontrack_model.score15.io import CONTRACT_COLUMNS
from serving.db import Database, utc_now
from serving.users import User


def parse_upload(kind: str, data: bytes, coding: str) -> ResponseSet:
    """Validate uploaded CSV or JSON bytes stated to be in `coding` (Score15Error naming the rule broken)."""
    # The library reads files by suffix; a private temporary file keeps its exact reading rules.
    with tempfile.TemporaryDirectory(prefix="score15-upload-") as tmp:
        path = Path(tmp) / f"upload.{kind}"
        path.write_bytes(data)
        return read_responses(path, coding, source_name="upload")


def store_upload(
    db: Database, user: User, responses: ResponseSet, coding: str, boroughs: dict[str, str | None]
) -> int:
    """Save validated responses with each family's borough; return the upload's ID."""
    frame = responses.frame[list(CONTRACT_COLUMNS)].copy()
    frame["date"] = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    with db.transaction() as conn:
        cur = conn.execute(
            "INSERT INTO score15_uploads (user_id, coding, uploaded_at, n_rows) VALUES (?, ?, ?, ?)",
            (user.id, coding, utc_now(), len(records)),
        )
        upload_id = int(cur.lastrowid)
        conn.executemany(
            "INSERT INTO score15_responses (upload_id, family_id, borough, row_json) VALUES (?, ?, ?, ?)",
            [
                (
                    upload_id,
                    str(r["family_id"]),
                    boroughs.get(str(r["family_id"])),
                    json.dumps(r, default=str),
                )
                for r in records
            ],
        )
    return upload_id


def stored_responses(db: Database, family_id: str | None = None) -> ResponseSet | None:
    """Every stored response (one family's if given) as a ResponseSet, or None if there are none."""
    sql = "SELECT id, row_json FROM score15_responses"
    args: tuple = ()
    if family_id is not None:
        sql += " WHERE family_id = ?"
        args = (family_id,)
    rows = db.connection().execute(sql + " ORDER BY id", args).fetchall()
    if not rows:
        return None
    frame = pd.DataFrame.from_records([json.loads(r["row_json"]) for r in rows])
    # The latest upload of a respondent's administration wins.
    frame = frame.drop_duplicates(["respondent_id", "date"], keep="last").reset_index(drop=True)
    try:
        return read_responses(frame, "paper", source_name="service database")
    except Score15Error as exc:  # stored rows passed validation once; say so if that ever changes
        raise Score15Error(f"stored SCORE-15 responses no longer pass validation: {exc}") from None


def family_borough(db: Database, family_id: str) -> str | None:
    """The borough recorded with a family's stored responses (None if unknown or not stored)."""
    row = (
        db.connection()
        .execute(
            "SELECT borough FROM score15_responses WHERE family_id = ? AND borough IS NOT NULL "
            "ORDER BY id DESC LIMIT 1",
            (family_id,),
        )
        .fetchone()
    )
    return row["borough"] if row else None
