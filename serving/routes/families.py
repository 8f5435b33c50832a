"""One family, decisions about families, and the decisions export for evaluation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from serving.auth import Permission, require
from serving.deps import current_snapshot, get_services
from serving.family_access import decide, decisions_csv, family_detail
from serving.routes import AUTH_ERRORS, error_responses
from serving.schemas import DecisionIn, DecisionRecord, FamilyDetail
from serving.state import Snapshot
from serving.users import User

router = APIRouter(prefix="/v1", tags=["families"])

FamilyId = Annotated[
    str,
    Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$", description="Pseudonymous family ID."),
]
CohortQuery = Annotated[int | None, Query(ge=2000, le=2100, description="Cohort year; default the latest.")]


@router.get(
    "/families/{family_id}",
    response_model=FamilyDetail,
    summary="One family: rank, score and reasons per child",
    responses=error_responses(*AUTH_ERRORS, 404, 422, 503),
)
def get_family(
    request: Request,
    family_id: FamilyId,
    cohort: CohortQuery = None,
    user: User = Depends(require(Permission.VIEW_FAMILIES)),
    snap: Snapshot = Depends(current_snapshot),
) -> dict:
    """The family's place on the list, each child's reasons, data-quality notes and decisions (logged)."""
    return family_detail(
        get_services(request),
        snap,
        user,
        endpoint="GET /v1/families/{family_id}",
        family_id=family_id,
        year=cohort,
    )


@router.post(
    "/families/{family_id}/decision",
    response_model=DecisionRecord,
    status_code=201,
    summary="Record what was decided about a family",
    responses=error_responses(*AUTH_ERRORS, 404, 422, 503),
)
def post_decision(
    request: Request,
    family_id: FamilyId,
    body: DecisionIn,
    user: User = Depends(require(Permission.RECORD_DECISIONS)),
    snap: Snapshot = Depends(current_snapshot),
) -> dict:
    """Store a decision code and reason code (no free text); the latest shows in the list."""
    return decide(
        get_services(request),
        snap,
        user,
        endpoint="POST /v1/families/{family_id}/decision",
        family_id=family_id,
        year=body.cohort,
        decision=body.decision,
        reason_code=body.reason_code,
    )


@router.get(
    "/decisions.csv",
    response_class=Response,
    summary="Export every recorded decision for evaluation",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "Decisions as CSV."},
        **error_responses(*AUTH_ERRORS, 503),
    },
)
def get_decisions_csv(
    request: Request,
    user: User = Depends(require(Permission.EXPORT_DECISIONS)),
    snap: Snapshot = Depends(current_snapshot),
) -> Response:
    """Every decision with the family's rank and probability on the current list (logged)."""
    text = decisions_csv(get_services(request), snap, user, endpoint="GET /v1/decisions.csv")
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="decisions.csv"', "Cache-Control": "no-store"},
    )
