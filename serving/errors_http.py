"""How errors become HTTP answers: JSON for the API, a plain page for the web page.

A client's mistake is always a 4xx with a message naming the parameter and the rule; only a bug
in the service gives a 500.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from ontrack_model.errors import ModelInputError, OnTrackError, Score15Error
from serving.errors import (
    BadRequestError,
    NotFoundError,
    NotReadyError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from serving.state import ReloadError

_STATUS: list[tuple[type[Exception], int]] = [
    (NotFoundError, 404),
    (PayloadTooLargeError, 413),
    (UnsupportedMediaTypeError, 415),
    (NotReadyError, 503),
    (ReloadError, 503),
    (BadRequestError, 422),
    (ModelInputError, 422),
    (Score15Error, 422),
    (OnTrackError, 422),
]
_PLACES = {
    "query": "query parameter",
    "path": "path parameter",
    "body": "field",
    "header": "header",
    "cookie": "cookie",
    "form": "form field",
}


def status_for(exc: Exception) -> int:
    """The HTTP status for one of the service's own errors."""
    for kind, code in _STATUS:
        if isinstance(exc, kind):
            return code
    return 500


def describe_validation(exc: RequestValidationError) -> tuple[str, list[dict]]:
    """A sentence naming each parameter and the rule it breaks, and the problems without input echoes."""
    problems, sentences = [], []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        place = _PLACES.get(loc[0], loc[0]) if loc else "request"
        name = ".".join(loc[1:]) if len(loc) > 1 else (loc[0] if loc else "body")
        msg = str(err.get("msg", "is not valid"))
        sentences.append(f"{place} '{name}': {msg}" if loc[1:] else f"{place}: {msg}")
        # The submitted value is left out on purpose: it may hold a token or personal data.
        problems.append({"loc": loc, "msg": msg, "type": err.get("type", "")})
    return "; ".join(sentences) or "the request is not valid", problems


def _is_page(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/v1") or path in ("/healthz", "/readyz", "/openapi.json")) and (
        "text/html" in request.headers.get("accept", "")
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers that turn errors into 4xx/5xx answers."""
    from serving.pages import render_error  # the page module imports nothing of this one

    def answer(
        request: Request, status: int, detail: str, extra: dict | None = None, headers: dict | None = None
    ) -> Response:
        if _is_page(request):
            return render_error(request, status, detail)
        return JSONResponse({"detail": detail, **(extra or {})}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def on_validation(request: Request, exc: RequestValidationError) -> Response:
        detail, problems = describe_validation(exc)
        return answer(request, 422, detail, {"errors": problems})

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        return answer(request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(OnTrackError)
    async def on_ontrack(request: Request, exc: OnTrackError) -> Response:
        return answer(request, status_for(exc), str(exc))

    @app.exception_handler(ReloadError)
    async def on_reload(request: Request, exc: ReloadError) -> Response:
        return answer(request, 503, str(exc))
