"""The API's routes, one module per resource; `ROUTERS` lists them for the app."""

from __future__ import annotations

from typing import Any

from serving.schemas import Message, ValidationMessage

_DESCRIPTIONS = {
    401: "No API token, or the token is unknown or revoked.",
    403: "The token's role or borough does not allow this.",
    404: "The cohort or family does not exist.",
    413: "The upload is larger than the service accepts.",
    415: "The upload's content type is not CSV, JSON or a multipart form.",
    422: "A parameter, field or column breaks a rule; the message names it.",
    503: "No model is loaded yet (or a reload failed); the message says why.",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give."""
    return {
        code: {"model": ValidationMessage if code == 422 else Message, "description": _DESCRIPTIONS[code]}
        for code in codes
    }


AUTH_ERRORS = (401, 403)
