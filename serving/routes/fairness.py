"""The latest fairness audit of the model serving the lists (already small-cell suppressed)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from serving.auth import Permission, require
from serving.deps import current_snapshot
from serving.errors import NotFoundError
from serving.routes import AUTH_ERRORS, error_responses
from serving.state import Snapshot
from serving.users import User

router = APIRouter(prefix="/v1", tags=["model"])


@router.get(
    "/fairness",
    response_model=dict,
    summary="The model's latest fairness audit",
    responses=error_responses(*AUTH_ERRORS, 404, 503),
)
def get_fairness(
    user: User = Depends(require(Permission.VIEW_AGGREGATES)), snap: Snapshot = Depends(current_snapshot)
) -> dict:
    """The audit stored with the model version: group metrics, disparity ratios and intervals."""
    if snap.bundle.fairness is None:
        raise NotFoundError(f"no fairness audit is stored with model version {snap.version}")
    return {"model_version": snap.version, **snap.bundle.fairness}
