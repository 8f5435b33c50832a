"""The objects one app instance shares across requests, and how routes reach them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request

if TYPE_CHECKING:
    from serving.db import Database
    from serving.settings import Settings
    from serving.state import ServingState, Snapshot


@dataclass
class Services:
    """Settings, database and loaded model of one app instance (kept on `app.state.services`)."""

    settings: Settings
    db: Database
    state: ServingState


def get_services(request: Request) -> Services:
    """The services of the app handling `request`."""
    return request.app.state.services


async def current_snapshot(request: Request) -> Snapshot:
    """The model version serving when the request started (503 if none is loaded)."""
    return get_services(request).state.snapshot()
