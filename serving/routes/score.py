"""Scoring an uploaded feature matrix with the model now serving (analysts)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from serving.access_log import record_access
from serving.auth import Permission, require
from serving.deps import current_snapshot, get_services
from serving.routes import AUTH_ERRORS, error_responses
from serving.schemas import ScoreIn, ScoreOut
from serving.scoring import frame_from_csv, frame_from_json, score_frame
from serving.state import Snapshot
from serving.uploads import read_upload, upload_body_doc
from serving.users import User

router = APIRouter(prefix="/v1", tags=["scoring"])

_BODY = upload_body_doc(
    ScoreIn.model_json_schema(),
    "The feature matrix: a `pupil_id` column plus every feature the model names; the columns family_id, "
    "cohort and label are ignored.",
)


@router.post(
    "/score",
    response_model=ScoreOut,
    summary="Score an uploaded feature matrix",
    openapi_extra=_BODY,
    responses=error_responses(*AUTH_ERRORS, 413, 415, 422, 503),
)
async def post_score(
    request: Request,
    user: User = Depends(require(Permission.SCORE)),
    snap: Snapshot = Depends(current_snapshot),
) -> dict:
    """Probabilities per pupil_id from the model version serving when the request arrived."""
    services = get_services(request)
    kind, data = await read_upload(request, services.settings.max_upload_bytes)

    def work() -> dict:
        frame = frame_from_csv(data) if kind == "csv" else frame_from_json(data)
        ids, proba = score_frame(snap.model, frame)
        record_access(services.db, user, "POST /v1/score", result_size=len(ids), query={"rows": len(ids)})
        return {
            "model_version": snap.version,
            "n_rows": len(ids),
            "predictions": [
                {"pupil_id": i, "probability": float(p)} for i, p in zip(ids, proba, strict=True)
            ],
        }

    # Parsing and predicting are CPU work: run them off the event loop.
    return await run_in_threadpool(work)
