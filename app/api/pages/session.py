"""The signed-in person of a page: the session cookie, its CSRF token, and the checks every form passes."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from app.api.deps import ClockDep, DatabaseDep, SettingsDep
from app.auth import sessions
from app.auth.principal import Principal
from app.directory import service as directory
from app.errors import Forbidden, Unauthenticated
from app.programme import metrics

SESSION_COOKIE = "so_session"
# Before sign-in there is no session to derive a form token from: the sign-in form's token is a random value
# that must match this cookie (a double-submit token), so another site cannot sign a browser in as someone else.
SIGN_IN_COOKIE = "so_sign_in"
CSRF_FIELD = "csrf_token"


class CsrfRefused(Forbidden):
    code = "csrf_refused"


@dataclass(frozen=True, kw_only=True)
class PageUser:
    principal: Principal
    person_id: str
    name: str
    roles: list[str]
    csrf: str
    expires_at: datetime
    # Which pages the navigation offers; each page still asks the domain (a link is not a permission).
    reads_programme: bool


def set_cookie(request: Request, response: Response, *, name: str, value: str, max_age: int) -> None:
    """httpOnly and SameSite=Lax always; Secure whenever the page is served over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def sign_in_token(request: Request) -> str:
    """The sign-in form's token: the one the browser already holds, or a new one."""
    return request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(32)


def check_sign_in_token(request: Request, form: FormData) -> None:
    """403 unless the sign-in form carries the token of the browser's sign-in cookie."""
    cookie = request.cookies.get(SIGN_IN_COOKIE, "")
    presented = str(form.get(CSRF_FIELD, ""))
    if not cookie or not secrets.compare_digest(cookie, presented):
        raise CsrfRefused("The sign-in form has expired or did not come from this site. Load the page and try again.")


def check_csrf(request: Request, form: FormData) -> None:
    """403 unless the form carries the token of the session that sent it."""
    secret = request.cookies.get(SESSION_COOKIE, "")
    presented = str(form.get(CSRF_FIELD, ""))
    if not secret or not presented or not sessions.csrf_matches(secret=secret, presented=presented):
        raise CsrfRefused("This form did not come from your current session. Reload the page and try again.")


async def _page_user(request: Request, database: DatabaseDep, settings: SettingsDep, clock: ClockDep) -> PageUser:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise Unauthenticated("Sign in to continue.")
    async with database.read() as session:
        web = await sessions.resolve(
            session=session, secret=secret, now=clock.now(), lifetime=timedelta(minutes=settings.web_session_minutes)
        )
        person = await directory.get_person(session=session, person_id=web.principal.person_id or "")
    return PageUser(
        principal=web.principal,
        person_id=person.id,
        name=person.name,
        roles=list(person.roles),
        csrf=sessions.csrf_token(secret),
        expires_at=web.expires_at,
        reads_programme=person.is_admin or bool(set(metrics.READER_ROLES) & set(person.roles)),
    )


async def _form(request: Request) -> FormData:
    return await request.form()


PageUserDep = Annotated[PageUser, Depends(_page_user)]
FormDep = Annotated[FormData, Depends(_form)]
