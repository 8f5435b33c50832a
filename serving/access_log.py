"""The append-only access log: who looked at which families, when, through which endpoint.

Entries hold pseudonymous family IDs and list queries only; SQLite triggers (see db.py) refuse
any UPDATE or DELETE, so an entry once written stays as written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime

from serving.db import Database, format_time, utc_now
from serving.errors import BadRequestError
from serving.users import User


def record_access(
    db: Database,
    user: User,
    endpoint: str,
    *,
    result_size: int,
    family_ids: Iterable[str] | None = None,
    query: dict | None = None,
) -> None:
    """Append one entry: `user` received `result_size` records from `endpoint`."""
    ids = json.dumps(sorted(set(family_ids))) if family_ids is not None else None
    q = (
        json.dumps({k: v for k, v in (query or {}).items() if v is not None}, sort_keys=True)
        if query
        else None
    )
    # A single INSERT is atomic on its own (the connection is in autocommit mode).
    db.write(
        "INSERT INTO access_log (at, user_id, user_name, role, endpoint, family_ids, query, result_size) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (utc_now(), user.id, user.name, user.role, endpoint, ids, q, int(result_size)),
    )


def parse_since(text: str | None, parameter: str = "since") -> str | None:
    """`text` (a date YYYY-MM-DD or an ISO date-time) as database time text; BadRequestError if neither."""
    if text is None or text == "":
        return None
    try:
        if len(text) == 10:
            return format_time(datetime.combine(date.fromisoformat(text), datetime.min.time()))
        return format_time(datetime.fromisoformat(text))
    except ValueError:
        raise BadRequestError(
            f"{parameter} must be a date (YYYY-MM-DD) or an ISO date-time, got {text[:40]!r}"
        ) from None


def read_access_log(db: Database, since: str | None = None, limit: int = 1000) -> list[dict]:
    """Entries at or after `since` (database time text), oldest first, at most `limit`."""
    rows = (
        db.connection()
        .execute("SELECT * FROM access_log WHERE at >= ? ORDER BY id LIMIT ?", (since or "", int(limit)))
        .fetchall()
    )
    return [
        {
            "id": r["id"],
            "at": r["at"],
            "user": r["user_name"],
            "role": r["role"],
            "endpoint": r["endpoint"],
            "family_ids": json.loads(r["family_ids"]) if r["family_ids"] else None,
            "query": json.loads(r["query"]) if r["query"] else None,
            "result_size": r["result_size"],
        }
        for r in rows
    ]
