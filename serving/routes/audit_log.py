"""The access log, for admins and evaluators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from serving.access_log import parse_since, read_access_log, record_access
from serving.auth import Permission, require
from serving.deps import get_services
from serving.routes import AUTH_ERRORS, error_responses
from serving.schemas import AuditEntry
from serving.users import User

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get(
    "/audit-log",
    response_model=list[AuditEntry],
    summary="Who looked at which families, and when",
    responses=error_responses(*AUTH_ERRORS, 422),
)
def get_audit_log(
    request: Request,
    since: Annotated[
        str | None,
        Query(max_length=40, description="Only entries at or after this date (YYYY-MM-DD) or time."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10_000, description="At most this many entries.")] = 1000,
    user: User = Depends(require(Permission.READ_AUDIT_LOG)),
) -> list[dict]:
    """Access-log entries, oldest first (reading the log is itself logged)."""
    db = get_services(request).db
    entries = read_access_log(db, parse_since(since), limit)
    record_access(
        db, user, "GET /v1/audit-log", result_size=len(entries), query={"since": since, "limit": limit}
    )
    return entries
