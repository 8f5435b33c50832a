"""Per-request dependencies: the snapshot a request uses from start to finish."""

from __future__ import annotations

from fastapi import Request

from serving.deps import get_services
from serving.state import Snapshot


def current_snapshot(request: Request) -> Snapshot:
    """The model version serving when the request started (503 if none is loaded)."""
    return get_services(request).state.snapshot()
