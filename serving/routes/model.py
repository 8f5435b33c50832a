"""The champion model serving the lists: version, training period, metrics and model card."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from serving.auth import Permission, require
from serving.deps import current_snapshot
from serving.routes import AUTH_ERRORS, error_responses
from serving.schemas import ModelOut
from serving.state import Snapshot
from serving.users import User

router = APIRouter(prefix="/v1", tags=["model"])


def training_period(info: dict) -> str | None:
    """The training data period in words, from model.json."""
    if info.get("training_period"):
        return str(info["training_period"])
    cohorts = info.get("trained_cohorts") or []
    if not cohorts:
        return None
    years = sorted(int(c) for c in cohorts)
    return f"Year 6 cohorts {years[0]}-{years[-1]}" if len(years) > 1 else f"Year 6 cohort {years[0]}"


@router.get(
    "/model",
    response_model=ModelOut,
    summary="The model serving the lists",
    responses=error_responses(*AUTH_ERRORS, 503),
)
def get_model(
    user: User = Depends(require(Permission.VIEW_AGGREGATES)), snap: Snapshot = Depends(current_snapshot)
) -> dict:
    """Champion version, training period, metrics at capacity and the model card."""
    info = snap.bundle.info
    known = {
        "model_name",
        "run_id",
        "version",
        "trained_cohorts",
        "capacity",
        "metrics",
        "metrics_at_capacity",
    }
    metrics = info.get("metrics_at_capacity", info.get("metrics")) or {}
    return {
        "model_name": str(info.get("model_name", "ontrack-risk")),
        "version": snap.version,
        "run_id": info.get("run_id"),
        "trained_cohorts": info.get("trained_cohorts"),
        "training_period": training_period(info),
        "capacity": info.get("capacity"),
        "metrics_at_capacity": metrics if isinstance(metrics, dict) else {"value": metrics},
        "loaded_at": snap.loaded_at,
        "model_card": snap.bundle.model_card,
        "info": {k: v for k, v in info.items() if k not in known},
    }
