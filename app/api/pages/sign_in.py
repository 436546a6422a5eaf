"""Signing in with a personal token, and signing out."""

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response

from app.api.deps import ClockDep, DatabaseDep, SettingsDep
from app.api.pages.rendering import NOTICES, render
from app.api.pages.routing import page_router
from app.api.pages.session import (
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    CsrfRefused,
    FormDep,
    check_csrf,
    check_sign_in_token,
    set_cookie,
    sign_in_token,
)
from app.auth import sessions
from app.config import Settings
from app.errors import Unauthenticated

router = page_router()

_NEXT = Annotated[str, Query(max_length=500)]
_NOTICE = Annotated[str | None, Query(max_length=40)]


def _safe_next(target: str) -> str:
    """Only a path of this site: never another origin (an open redirect) or a protocol-relative address."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/inbox"


def _sign_in_page(request: Request, *, next_path: str, notice: str | None, error: str | None) -> Response:
    token = sign_in_token(request)
    settings: Settings = request.app.state.settings
    context = {
        "title": "Sign in",
        "session_minutes": settings.web_session_minutes,
        "csrf": token,
        "next": _safe_next(next_path),
        "notice": notice if notice in NOTICES else None,
        "error": error,
    }
    response = render(request, "sign_in.html", context, status_code=401 if error else 200)
    set_cookie(request, response, name=SIGN_IN_COOKIE, value=token, max_age=3600)
    return response


@router.get("/", name="home")
async def home() -> RedirectResponse:
    """The pages start at the inbox (sign-in first when there is no session)."""
    return RedirectResponse("/inbox", status_code=303)


@router.get("/sign-in", name="sign_in")
async def sign_in_form(request: Request, next: _NEXT = "/inbox", notice: _NOTICE = None) -> Response:
    """The sign-in page."""
    return _sign_in_page(request, next_path=next, notice=notice, error=None)


@router.post("/sign-in")
async def sign_in(
    request: Request, form: FormDep, database: DatabaseDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    """Exchange a personal token for a session cookie, then go where the person was going."""
    next_path = _safe_next(str(form.get("next", "/inbox")))
    try:
        check_sign_in_token(request, form)
    except CsrfRefused as exc:
        response = _sign_in_page(request, next_path=next_path, notice=None, error=exc.message)
        response.status_code = 403
        return response
    token = str(form.get("token", "")).strip()
    if not token:
        return _sign_in_page(request, next_path=next_path, notice=None, error="Enter your personal token.")
    try:
        async with database.write() as session:
            secret, _ = await sessions.start(session=session, personal_token=token, now=clock.now())
    except Unauthenticated as exc:
        return _sign_in_page(request, next_path=next_path, notice=None, error=exc.message)
    response = RedirectResponse(next_path, status_code=303)
    set_cookie(request, response, name=SESSION_COOKIE, value=secret, max_age=settings.web_session_minutes * 60)
    response.delete_cookie(SIGN_IN_COOKIE, path="/")
    return response


@router.post("/sign-out", name="sign_out")
async def sign_out(request: Request, form: FormDep, database: DatabaseDep, clock: ClockDep) -> Response:
    """End the session now: its token is revoked, so a copied cookie stops working too."""
    check_csrf(request, form)
    secret = request.cookies.get(SESSION_COOKIE, "")
    async with database.write() as session:
        await sessions.end(session=session, secret=secret, now=clock.now())
    response = RedirectResponse("/sign-in?notice=signed_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
