"""Scoring an uploaded feature matrix with the model now serving (analysts)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from serving.access_log import record_access
from serving.auth import Permission, require
from serving.deps import current_snapshot, get_services
from serving.errors import BadRequestError
from serving.routes import AUTH_ERRORS, error_responses
from serving.schemas import ScoreIn, ScoreOut
from serving.scoring import frame_from_csv, frame_from_json, score_frame
from serving.state import Snapshot
from serving.users import User

router = APIRouter(prefix="/v1", tags=["scoring"])

_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "The feature matrix: a `pupil_id` column plus every feature the model names (see GET /v1/model); "
            "the columns family_id, cohort and label are ignored."
        ),
        "content": {
            "application/json": {"schema": ScoreIn.model_json_schema()},
            "text/csv": {"schema": {"type": "string", "description": "CSV text with a header row."}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary", "description": "A CSV file."}},
                    "required": ["file"],
                }
            },
        },
    }
}


async def _read_upload(request: Request, max_bytes: int) -> tuple[str, bytes]:
    """The upload's kind ('csv' or 'json') and bytes, whichever way it was sent."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10, max_part_size=max_bytes)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadRequestError("field 'file' is missing: attach the CSV file as 'file'")
        return "csv", await upload.read()
    body = await request.body()
    if ctype in ("text/csv", "application/csv", "text/plain"):
        return "csv", body
    if ctype == "application/json" or ctype.endswith("+json"):
        return "json", body
    raise BadRequestError(
        f"header 'content-type' {ctype or '(none)'!r} is not accepted: send text/csv, application/json "
        "or a multipart form with a 'file'"
    )


@router.post(
    "/score",
    response_model=ScoreOut,
    summary="Score an uploaded feature matrix",
    openapi_extra=_BODY,
    responses=error_responses(*AUTH_ERRORS, 413, 422, 503),
)
async def post_score(
    request: Request,
    user: User = Depends(require(Permission.SCORE)),
    snap: Snapshot = Depends(current_snapshot),
) -> dict:
    """Probabilities per pupil_id from the model version serving when the request arrived."""
    services = get_services(request)
    kind, data = await _read_upload(request, services.settings.max_upload_bytes)

    def work() -> dict:
        frame = frame_from_csv(data) if kind == "csv" else frame_from_json(data)
        ids, proba = score_frame(snap.model, frame)
        record_access(services.db, user, "POST /v1/score", result_size=len(ids), query={"rows": len(ids)})
        return {
            "model_version": snap.version,
            "n_rows": len(ids),
            "predictions": [{"pupil_id": i, "probability": float(p)} for i, p in zip(ids, proba, strict=True)],
        }

    # Parsing and predicting are CPU work: run them off the event loop.
    return await run_in_threadpool(work)
