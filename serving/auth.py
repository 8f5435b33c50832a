"""Who may do what: bearer-token authentication, role permissions and the borough boundary.

Missing or unknown token -> 401; a valid token whose role or borough does not allow the request
-> 403. Tokens are compared by their SHA-256 only and never logged or echoed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum

from fastapi import HTTPException, Request, Security, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from serving.deps import get_services
from serving.users import User, user_for_token


class Permission(StrEnum):
    """One kind of access the service grants."""

    VIEW_AGGREGATES = "view aggregates, the model and its fairness audit"
    VIEW_FAMILIES = "view family-level ranked lists"
    EXPORT_FAMILIES = "download family-level ranked lists"
    RECORD_DECISIONS = "record decisions about families"
    EXPORT_DECISIONS = "export all recorded decisions"
    SCORE = "score an uploaded feature matrix"
    RELOAD = "reload the champion model"
    READ_AUDIT_LOG = "read the access log"
    UPLOAD_SCORE15 = "upload SCORE-15 responses"
    VIEW_SCORE15_FAMILY = "view a family's SCORE-15 report"
    VIEW_SCORE15_SUMMARY = "view the SCORE-15 cohort summary"


P = Permission
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "practitioner": frozenset(
        {
            P.VIEW_AGGREGATES,
            P.VIEW_FAMILIES,
            P.EXPORT_FAMILIES,
            P.RECORD_DECISIONS,
            P.UPLOAD_SCORE15,
            P.VIEW_SCORE15_FAMILY,
        }
    ),
    "analyst": frozenset(
        {
            P.VIEW_AGGREGATES,
            P.VIEW_FAMILIES,
            P.EXPORT_FAMILIES,
            P.EXPORT_DECISIONS,
            P.SCORE,
            P.UPLOAD_SCORE15,
            P.VIEW_SCORE15_FAMILY,
            P.VIEW_SCORE15_SUMMARY,
        }
    ),
    # Evaluators judge the programme from aggregates: no family-level data.
    "evaluator": frozenset({P.VIEW_AGGREGATES, P.READ_AUDIT_LOG, P.VIEW_SCORE15_SUMMARY}),
    "admin": frozenset({P.VIEW_AGGREGATES, P.RELOAD, P.READ_AUDIT_LOG}),
}

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="APIToken",
    description="An API token from `ontrack users add` (sent as `Authorization: Bearer <token>`).",
)


def can(user: User, permission: Permission) -> bool:
    """True when `user`'s role grants `permission`."""
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


def unauthorized(detail: str) -> HTTPException:
    """A 401 answer asking for a bearer token."""
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def user_from_credentials(request: Request, credentials: HTTPAuthorizationCredentials | None) -> User:
    """The user whose bearer token came with the request (401 if missing, unknown or revoked)."""
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise unauthorized("an API token is required: send 'Authorization: Bearer <token>'")
    user = user_for_token(get_services(request).db, credentials.credentials)
    if user is None:
        raise unauthorized("the API token is not valid (unknown or revoked)")
    return user


def check_permission(user: User, permission: Permission) -> None:
    """Raise 403 unless `user`'s role grants `permission`."""
    if not can(user, permission):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {user.role} may not {permission.value}")


def require(permission: Permission) -> Callable[..., Awaitable[User]]:
    """A dependency giving the authenticated user, or 401/403 if they may not `permission`."""

    # Async and flat on purpose: each sync or nested dependency costs FastAPI time on every request,
    # and this is a quick indexed lookup.
    async def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Security(bearer_scheme)
    ) -> User:
        user = user_from_credentials(request, credentials)
        check_permission(user, permission)
        return user

    return dependency


def check_borough(user: User, borough: str) -> None:
    """Raise 403 if `user` is limited to another borough than `borough`."""
    if user.borough is not None and borough != user.borough:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"user {user.name} may see only borough {user.borough}'s families, not {borough}'s",
        )
