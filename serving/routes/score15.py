"""SCORE-15: practitioners and analysts upload responses; families' change; the evaluators' summary."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, status
from starlette.concurrency import run_in_threadpool

from ontrack_model.score15 import cohort_summary, family_report
from serving.access_log import record_access
from serving.auth import Permission, check_borough, require
from serving.deps import get_services
from serving.errors import NotFoundError
from serving.routes import AUTH_ERRORS, error_responses
from serving.score15_store import family_borough, parse_upload, store_upload, stored_responses
from serving.uploads import read_upload, upload_body_doc
from serving.users import User

router = APIRouter(prefix="/v1", tags=["SCORE-15"])

_RECORDS_SCHEMA = {
    "type": "array",
    "items": {"type": "object", "additionalProperties": {"type": ["string", "integer", "null"]}},
    "description": "One object per respondent per administration: family_id, respondent_id, role, age, date, "
    "item_1 ... item_15.",
}
_BODY = upload_body_doc(
    _RECORDS_SCHEMA,
    "SCORE-15 responses as CSV or JSON records, in the coding named by the `coding` parameter.",
)


@router.post(
    "/score15/responses",
    status_code=201,
    response_model=dict,
    summary="Upload SCORE-15 responses",
    openapi_extra=_BODY,
    responses=error_responses(*AUTH_ERRORS, 413, 415, 422),
)
async def post_responses(
    request: Request,
    coding: Annotated[
        Literal["paper", "reversed"],
        Query(description="paper: 1 = describes us very well ... 5 = not at all; reversed: the opposite."),
    ],
    user: User = Depends(require(Permission.UPLOAD_SCORE15)),
) -> dict:
    """Validate and store responses; practitioners may upload only for their own borough's families."""
    services = get_services(request)
    kind, data = await read_upload(request, services.settings.max_upload_bytes)
    snap = services.state.current

    def work() -> dict:
        responses = parse_upload(kind, data, coding)
        families = responses.family_ids
        boroughs = {
            f: (snap.lists.borough_of(f) if snap else None) or family_borough(services.db, f)
            for f in families
        }
        if user.borough is not None:
            outside = [f for f in families if boroughs[f] != user.borough]
            if outside:
                raise HTTPException(
                    status.HTTP_403_FORBIDDEN,
                    f"user {user.name} may upload only for borough {user.borough}'s families; not theirs: "
                    f"{', '.join(outside[:10])}" + (" ..." if len(outside) > 10 else ""),
                )
        upload_id = store_upload(services.db, user, responses, coding, boroughs)
        record_access(
            services.db,
            user,
            "POST /v1/score15/responses",
            result_size=len(responses),
            family_ids=families,
            query={"coding": coding},
        )
        return {
            "upload_id": upload_id,
            "rows_stored": len(responses),
            "families": len(families),
            "import": responses.import_summary(),
        }

    return await run_in_threadpool(work)


@router.get(
    "/families/{family_id}/score15",
    response_model=dict,
    summary="One family's SCORE-15 scores and change",
    responses=error_responses(*AUTH_ERRORS, 404, 422),
)
def get_family_score15(
    request: Request,
    family_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")],
    user: User = Depends(require(Permission.VIEW_SCORE15_FAMILY)),
) -> dict:
    """Each administration's scores, each respondent's change and the family's change (logged)."""
    services = get_services(request)
    snap = services.state.current
    borough = family_borough(services.db, family_id) or (snap.lists.borough_of(family_id) if snap else None)
    if user.borough is not None:
        check_borough(user, borough or "(unknown)")
    responses = stored_responses(services.db)
    if responses is None or family_id not in set(responses.family_ids):
        raise NotFoundError(f"family {family_id} has no SCORE-15 responses stored")
    report = family_report(responses, family_id)  # RCI inputs come from every stored family
    record_access(
        services.db, user, "GET /v1/families/{family_id}/score15", result_size=1, family_ids=[family_id]
    )
    return report


@router.get(
    "/score15/summary",
    response_model=dict,
    summary="SCORE-15 change across families (small cells suppressed)",
    responses=error_responses(*AUTH_ERRORS, 404, 422),
)
def get_score15_summary(
    request: Request,
    from_date: Annotated[
        dt.date | None, Query(description="Only administrations on or after this date.")
    ] = None,
    to_date: Annotated[
        dt.date | None, Query(description="Only administrations on or before this date.")
    ] = None,
    user: User = Depends(require(Permission.VIEW_SCORE15_SUMMARY)),
) -> dict:
    """How many families changed, and how many reliably; counts below the threshold are hidden."""
    services = get_services(request)
    responses = stored_responses(services.db)
    if responses is None:
        raise NotFoundError("no SCORE-15 responses have been uploaded yet")
    return cohort_summary(
        responses, suppress_below=services.settings.suppress_below, from_date=from_date, to_date=to_date
    )
