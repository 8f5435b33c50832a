"""Reading an uploaded file from a request: raw CSV, JSON, or a multipart form's 'file'."""

from __future__ import annotations

from typing import Literal

from fastapi import Request
from starlette.datastructures import UploadFile

from serving.errors import BadRequestError, UnsupportedMediaTypeError

UploadKind = Literal["csv", "json"]


def upload_body_doc(json_schema: dict, what: str) -> dict:
    """The OpenAPI `requestBody` of an upload endpoint accepting CSV, JSON or a multipart file."""
    return {
        "requestBody": {
            "required": True,
            "description": what,
            "content": {
                "application/json": {"schema": json_schema},
                "text/csv": {"schema": {"type": "string", "description": "CSV text with a header row."}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string", "format": "binary", "description": "A CSV file."}
                        },
                        "required": ["file"],
                    }
                },
            },
        }
    }


async def read_upload(request: Request, max_bytes: int) -> tuple[UploadKind, bytes]:
    """The upload's kind and bytes, whichever way it was sent (the size limit is enforced upstream)."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10, max_part_size=max_bytes)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadRequestError("form field 'file' is missing: attach the CSV file as 'file'")
        return "csv", await upload.read()
    body = await request.body()
    if ctype in ("text/csv", "application/csv", "text/plain"):
        return "csv", body
    if ctype == "application/json" or ctype.endswith("+json"):
        return "json", body
    raise UnsupportedMediaTypeError(
        f"header 'content-type' {ctype or '(none)'!r} is not accepted: send text/csv, application/json "
        "or a multipart form with a 'file'"
    )
