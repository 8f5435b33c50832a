"""Liveness and readiness probes (no authentication: they reveal no data)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from serving.deps import get_services
from serving.model_source import TRAIN_HINT
from serving.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, summary="Is the process up?")
def healthz() -> dict:
    """200 whenever the process answers."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    response_model=Health,
    summary="Is a model with its ranked lists loaded?",
    responses={503: {"model": Health, "description": "No model is loaded; `detail` says why."}},
)
def readyz(request: Request) -> dict | JSONResponse:
    """200 only when a model and its ranked lists are loaded; 503 with the reason otherwise."""
    state = get_services(request).state
    snap = state.current
    if snap is None:
        why = state.last_error or "the model is still loading"
        hint = "" if "ontrack train" in why else f". To get a model: {TRAIN_HINT}"
        body = Health(status="not ready", detail=why + hint)
        return JSONResponse(body.model_dump(), status_code=503)
    return {"status": "ready", "model_version": snap.version}
