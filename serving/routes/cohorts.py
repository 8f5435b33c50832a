"""Cohorts and their ranked family lists (JSON pages and CSV export)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from serving.auth import Permission, require
from serving.deps import current_snapshot, get_services
from serving.family_access import families_csv, family_page
from serving.routes import AUTH_ERRORS, error_responses
from serving.schemas import CohortsOut, FamilyPage
from serving.state import Snapshot
from serving.users import User

router = APIRouter(prefix="/v1/cohorts", tags=["ranked lists"])

Year = Annotated[
    int, Path(ge=2000, le=2100, description="Year 6 cohort: the school year ending in this year.")
]
Borough = Annotated[
    str | None,
    Query(pattern=r"^[A-Z][A-Z0-9]{1,15}$", description="Only this borough (practitioners: their own)."),
]
School = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Only families with a child here.",
    ),
]


@router.get(
    "",
    response_model=CohortsOut,
    summary="Cohorts with a ranked list",
    responses=error_responses(*AUTH_ERRORS, 503),
)
def list_cohorts(
    request: Request,
    user: User = Depends(require(Permission.VIEW_AGGREGATES)),
    snap: Snapshot = Depends(current_snapshot),
) -> dict:
    """Each cohort's size by borough and how many families have a decision recorded (aggregates only)."""
    conn = get_services(request).db.connection()
    decided = dict(
        conn.execute("SELECT cohort, COUNT(DISTINCT family_id) FROM decisions GROUP BY cohort").fetchall()
    )
    cohorts = []
    for year in snap.lists.years:
        c = snap.lists.cohorts[year]
        cohorts.append(
            {
                "year": year,
                "n_families": len(c.rows),
                "n_children": c.n_children,
                "families_by_borough": {b: len(ix) for b, ix in sorted(c.by_borough.items())},
                "decisions_recorded": int(decided.get(year, 0)),
            }
        )
    return {"model_version": snap.version, "latest": snap.lists.latest, "cohorts": cohorts}


@router.get(
    "/{year}/families",
    response_model=FamilyPage,
    summary="A cohort's ranked family list",
    responses=error_responses(*AUTH_ERRORS, 404, 422, 503),
)
def get_families(
    request: Request,
    year: Year,
    borough: Borough = None,
    school: School = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Families per page.")] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Families to skip.")] = 0,
    user: User = Depends(require(Permission.VIEW_FAMILIES)),
    snap: Snapshot = Depends(current_snapshot),
) -> Response:
    """Families in rank order with their reasons, data-quality notes and latest decision (logged)."""
    page = family_page(
        get_services(request),
        snap,
        user,
        endpoint="GET /v1/cohorts/{year}/families",
        year=year,
        borough=borough,
        school=school,
        limit=limit,
        offset=offset,
    )
    # Pre-rendered rows (see lists.py); the shape is FamilyPage, which documents it.
    return Response(page.as_json(), media_type="application/json")


@router.get(
    "/{year}/families.csv",
    response_class=Response,
    summary="Download a cohort's ranked list as CSV",
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "The list as CSV."},
        **error_responses(*AUTH_ERRORS, 404, 422, 503),
    },
)
def get_families_csv(
    request: Request,
    year: Year,
    borough: Borough = None,
    school: School = None,
    user: User = Depends(require(Permission.EXPORT_FAMILIES)),
    snap: Snapshot = Depends(current_snapshot),
) -> Response:
    """The whole list (within the user's borough and filters) with top reasons and decisions (logged)."""
    name, text = families_csv(
        get_services(request),
        snap,
        user,
        endpoint="GET /v1/cohorts/{year}/families.csv",
        year=year,
        borough=borough,
        school=school,
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )
