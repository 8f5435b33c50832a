"""Administration: reload the champion model and its ranked lists."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from serving.auth import Permission, require
from serving.deps import get_services
from serving.routes import AUTH_ERRORS, error_responses
from serving.schemas import ReloadOut
from serving.users import User

router = APIRouter(prefix="/v1/admin", tags=["admin"])


@router.post(
    "/reload",
    response_model=ReloadOut,
    summary="Load the current champion and its lists",
    responses=error_responses(*AUTH_ERRORS, 503),
)
async def reload_model(request: Request, user: User = Depends(require(Permission.RELOAD))) -> dict:
    """Swap in the champion atomically; requests in flight finish on the old one; a failure keeps it."""
    state = get_services(request).state
    previous = state.current.version if state.current else None
    # Loading reads files and unpickles a model: off the event loop so other requests keep flowing.
    snap = await run_in_threadpool(state.reload)
    return {
        "detail": f"now serving model version {snap.version}",
        "version": snap.version,
        "previous_version": previous,
        "cohorts": snap.lists.years,
    }
