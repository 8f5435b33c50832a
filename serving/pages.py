"""The practitioners' web page: sign in with a token, the borough's ranked list, one family, decisions.

Server-rendered HTML (jinja2, no JavaScript). The session lives in an HttpOnly, SameSite=Strict
cookie; every form carries the session's CSRF token. Family data goes through `family_access`, so
each page view is in the access log exactly as an API call would be.
"""

from __future__ import annotations

import math
import secrets
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from serving.auth import Permission, can
from serving.decisions import DECISION_LABELS, REASONS, Decision, ReasonCode
from serving.deps import get_services
from serving.errors import BadRequestError
from serving.family_access import decide, families_csv, family_detail, family_page
from serving.sessions import (
    COOKIE_NAME,
    SIGNIN_CSRF_COOKIE,
    create_session,
    end_session,
    same_token,
    session_user,
)
from serving.users import User, user_for_token

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)

ROLE_NAMES = {
    "practitioner": "Practitioner",
    "analyst": "Analyst",
    "evaluator": "Evaluator",
    "admin": "Administrator",
}
ID_PATTERN = r"^[A-Za-z0-9_.:-]+$"


def _outcome_choices() -> list[dict]:
    """Decision options grouped by decision, each meaning one decision with one reason code."""
    groups = []
    for decision in Decision:
        options = [
            {"value": f"{decision.value}:{code.value}", "label": label}
            for code, (label, d) in REASONS.items()
            if d == decision
        ]
        groups.append({"label": DECISION_LABELS[decision], "options": options})
    return groups


OUTCOME_CHOICES = _outcome_choices()
OUTCOME_LABELS = {
    f"{d.value}:{c.value}": f"{DECISION_LABELS[d]}: {label}" for c, (label, d) in REASONS.items()
}


def render(request: Request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
    """Render a page template with the signed-in user (if any) and shared labels."""
    base = {"role_names": ROLE_NAMES, "outcome_labels": OUTCOME_LABELS, "user": None, "csrf": None}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def render_error(request: Request, status_code: int, detail: str) -> HTMLResponse:
    """A plain error page (used by the app's error handlers for page requests)."""
    signed_in = session_user(get_services(request).db, request.cookies.get(COOKIE_NAME))
    user, csrf = signed_in if signed_in else (None, None)
    titles = {
        401: "Please sign in",
        403: "Not available to you",
        404: "Not found",
        413: "File too large",
        422: "Please check what you entered",
        503: "The list is not available yet",
    }
    return render(
        request,
        "error.html",
        {
            "title": titles.get(status_code, "Something went wrong"),
            "detail": detail,
            "user": user,
            "csrf": csrf,
        },
        status_code=status_code,
    )


def _signed_in(request: Request) -> tuple[User, str] | None:
    return session_user(get_services(request).db, request.cookies.get(COOKIE_NAME))


def _to_signin() -> RedirectResponse:
    return RedirectResponse("/signin", status_code=303)


def _forbidden(request: Request, user: User, csrf: str, what: str) -> HTMLResponse:
    return render(
        request,
        "error.html",
        {
            "title": "Not available to you",
            "user": user,
            "csrf": csrf,
            "detail": f"Your role ({ROLE_NAMES[user.role].lower()}) does not include {what}.",
        },
        status_code=403,
    )


@router.get("/")
def home(request: Request) -> Response:
    """Send signed-in users to their list, everyone else to the sign-in form."""
    return RedirectResponse("/families" if _signed_in(request) else "/signin", status_code=303)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request) -> Response:
    """The sign-in form (with a fresh CSRF token in a cookie and the form)."""
    return _signin_page(request, None, 200)


def _signin_page(request: Request, error: str | None, status_code: int) -> Response:
    settings = get_services(request).settings
    csrf = secrets.token_urlsafe(24)
    response = render(request, "signin.html", {"signin_csrf": csrf, "error": error}, status_code=status_code)
    response.set_cookie(
        SIGNIN_CSRF_COOKIE,
        csrf,
        max_age=1800,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/signin",
    )
    return response


@router.post("/signin")
def signin(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check the token and start a session; the token itself is never stored in the cookie."""
    services = get_services(request)
    if not same_token(request.cookies.get(SIGNIN_CSRF_COOKIE), csrf):
        return _signin_page(request, "Your sign-in form had expired. Please try again.", 400)
    user = user_for_token(services.db, token.strip()) if token.strip() else None
    if user is None:
        return _signin_page(request, "That token was not recognised. Check it and try again.", 401)
    session_id, _ = create_session(services.db, user, services.settings.session_minutes)
    response = RedirectResponse("/families", status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        session_id,
        max_age=services.settings.session_minutes * 60,
        httponly=True,
        samesite="strict",
        secure=services.settings.secure_cookies,
        path="/",
    )
    response.delete_cookie(SIGNIN_CSRF_COOKIE, path="/signin")
    return response


@router.post("/signout")
def signout(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    """End the session (CSRF-checked so another site cannot sign a user out)."""
    signed_in = _signed_in(request)
    if signed_in is None:
        return _to_signin()
    if not same_token(signed_in[1], csrf):
        return render_error(request, 400, "This form had expired. Please go back and try again.")
    end_session(get_services(request).db, request.cookies.get(COOKIE_NAME))
    response = _to_signin()
    response.delete_cookie(COOKIE_NAME, path="/")
    return response


Cohort = Annotated[int | None, Query(ge=2000, le=2100)]
School = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]
BoroughQ = Annotated[str | None, Query(max_length=16, pattern=r"^[A-Z][A-Z0-9]{1,15}$")]


def _blank(value: str | None) -> str | None:
    return value or None


@router.get("/families", response_class=HTMLResponse)
def families_page(
    request: Request,
    cohort: Cohort = None,
    school: Annotated[str | None, Query(max_length=64)] = None,
    borough: Annotated[str | None, Query(max_length=16)] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    decided: Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)] = None,
) -> Response:
    """The ranked list for the user's borough, filterable by school, with top reasons and decisions."""
    signed_in = _signed_in(request)
    if signed_in is None:
        return _to_signin()
    user, csrf = signed_in
    if not can(user, Permission.VIEW_FAMILIES):
        return _forbidden(
            request, user, csrf, "family lists; the model card and audit are in the API at /docs"
        )
    services = get_services(request)
    snap = services.state.snapshot()
    school, borough = _blank(school), _blank(borough)
    size = services.settings.page_size
    data = family_page(
        services,
        snap,
        user,
        endpoint="GET /families (page)",
        year=cohort,
        borough=borough,
        school=school,
        limit=size,
        offset=(page - 1) * size,
    ).as_dict()
    listing = snap.lists.cohort(data["cohort"])
    in_scope = listing.select(data["borough"], None)
    schools = sorted({s for i in in_scope for s in listing.rows[i]["school_ids"]})
    query = {"cohort": data["cohort"], "school": school or "", "borough": borough or ""}
    pages = max(1, math.ceil(data["total"] / size))
    return render(
        request,
        "families.html",
        {
            "user": user,
            "csrf": csrf,
            "data": data,
            "schools": schools,
            "years": snap.lists.years,
            "boroughs": sorted(listing.by_borough) if user.borough is None else [],
            "page": page,
            "pages": pages,
            "query": urlencode({k: v for k, v in query.items() if v}),
            "decided": decided,
            "can_export": can(user, Permission.EXPORT_FAMILIES),
        },
    )


@router.get("/families.csv")
def families_download(
    request: Request, cohort: Cohort = None, school: School = None, borough: BoroughQ = None
) -> Response:
    """Download the (filtered) list as CSV."""
    signed_in = _signed_in(request)
    if signed_in is None:
        return _to_signin()
    user, csrf = signed_in
    if not can(user, Permission.EXPORT_FAMILIES):
        return _forbidden(request, user, csrf, "downloading family lists")
    services = get_services(request)
    name, text = families_csv(
        services,
        services.state.snapshot(),
        user,
        endpoint="GET /families.csv (page)",
        year=cohort,
        borough=_blank(borough),
        school=_blank(school),
    )
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _family_view(
    request: Request,
    user: User,
    csrf: str,
    family_id: str,
    cohort: int | None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    services = get_services(request)
    family = family_detail(
        services,
        services.state.snapshot(),
        user,
        endpoint="GET /families/{family_id} (page)",
        family_id=family_id,
        year=cohort,
    )
    return render(
        request,
        "family.html",
        {
            "user": user,
            "csrf": csrf,
            "family": family,
            "choices": OUTCOME_CHOICES,
            "error": error,
            "can_decide": can(user, Permission.RECORD_DECISIONS),
        },
        status_code=status_code,
    )


@router.get("/families/{family_id}", response_class=HTMLResponse)
def family_page_view(request: Request, family_id: str, cohort: Cohort = None) -> Response:
    """One family: why they are on the list, each child's reasons, data-quality notes, decisions."""
    signed_in = _signed_in(request)
    if signed_in is None:
        return _to_signin()
    user, csrf = signed_in
    if not can(user, Permission.VIEW_FAMILIES):
        return _forbidden(request, user, csrf, "family details")
    return _family_view(request, user, csrf, family_id, cohort)


@router.post("/families/{family_id}/decision")
def family_decision(
    request: Request,
    family_id: str,
    outcome: Annotated[str, Form(max_length=100)] = "",
    cohort: Annotated[int | None, Form(ge=2000, le=2100)] = None,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Record the chosen decision and reason, then go back to the list."""
    signed_in = _signed_in(request)
    if signed_in is None:
        return _to_signin()
    user, session_csrf = signed_in
    if not same_token(session_csrf, csrf):
        return render_error(
            request, 400, "This form had expired. Please go back, reload the page and try again."
        )
    if not can(user, Permission.RECORD_DECISIONS):
        return _forbidden(request, user, session_csrf, "recording decisions")
    try:
        decision_text, _, reason_text = outcome.partition(":")
        decision, reason = Decision(decision_text), ReasonCode(reason_text)
    except ValueError:
        return _family_view(
            request,
            user,
            session_csrf,
            family_id,
            cohort,
            error="Please choose what was decided from the list.",
            status_code=422,
        )
    services = get_services(request)
    try:
        saved = decide(
            services,
            services.state.snapshot(),
            user,
            endpoint="POST /families/{family_id}/decision (page)",
            family_id=family_id,
            year=cohort,
            decision=decision,
            reason_code=reason,
        )
    except BadRequestError as exc:
        return _family_view(request, user, session_csrf, family_id, cohort, error=str(exc), status_code=422)
    query = urlencode({"cohort": saved["cohort"], "decided": family_id})
    return RedirectResponse(f"/families?{query}#family-{family_id}", status_code=303)
