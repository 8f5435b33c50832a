"""The FastAPI application: `create_app(settings, source)` wires settings, database, model and routes."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.db import Database
from serving.deps import Services
from serving.errors_http import install_error_handlers
from serving.limits import BodySizeLimit
from serving.model_source import ChampionSource, ModelSource
from serving.routes import admin, audit_log, cohorts, fairness, families, health, model, score, score15
from serving.settings import Settings
from serving.state import ReloadError, ServingState

STATIC_DIR = Path(__file__).parent / "static"
DESCRIPTION = """
Ranked lists of Year 6 families for the On Track early-help programme, with the reasons behind
each ranking, and the decisions practitioners record.

A place on the list is **an offer of voluntary help, not an accusation**: it means a family might
benefit from being offered support, and the model can be wrong.

Every request needs an API token (`Authorization: Bearer <token>`, from `ontrack users add`).
Practitioners see only their borough's families; evaluators see aggregates, the model and the
audit; analysts score and export; admins reload the model. Every look at family data is recorded
in the access log.
"""

_BASE_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
# The interactive docs load their script from a CDN; every other page is same-origin only.
_PAGE_CSP = (b"content-security-policy", b"default-src 'self'; frame-ancestors 'none'; form-action 'self'")


class SecurityHeaders:
    """ASGI middleware: safe defaults on every answer, and no caching of anything but static files."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = list(_BASE_HEADERS)
        if not path.startswith(("/docs", "/redoc")):
            extra.append(_PAGE_CSP)
        if not path.startswith("/static/"):
            extra.append((b"cache-control", b"no-store"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    h for h in extra if h[0] not in present
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None, source: ModelSource | None = None) -> FastAPI:
    """The On Track service: API under /v1, web page at /, docs at /docs."""
    settings = settings or Settings.from_env()
    source = source or ChampionSource(settings.model_name, settings.store_root)
    db = Database(settings.db_path, checkpoint_seconds=2.0)
    services = Services(settings=settings, db=db, state=ServingState(source))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services.db.start_checkpointing()
        if settings.load_on_startup:
            # Start even without a model (the state logs why): /healthz answers, /readyz says why,
            # and an admin can reload once a model is registered.
            with contextlib.suppress(ReloadError):
                await run_in_threadpool(services.state.reload)
        yield
        services.db.close()
        gc.unfreeze()  # hand the lists back to the collector (matters when tests start many apps)

    app = FastAPI(
        title="On Track ranked lists",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.services = services
    for module in (health, cohorts, families, model, fairness, score, admin, audit_log, score15):
        app.include_router(module.router)
    from serving import pages

    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes)
    app.add_middleware(SecurityHeaders)
    return app
