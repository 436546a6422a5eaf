"""Page routes answer errors as pages: sign-in for a missing or expired session, an error page otherwise."""

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from app.api.pages.rendering import render
from app.auth.sessions import SessionExpired
from app.errors import ServiceError, Unauthenticated

logger = logging.getLogger(__name__)

_TITLES = {
    400: "That cannot be done",
    403: "Not allowed",
    404: "Not found",
    409: "Already changed",
    413: "Too large",
    422: "Check the form",
    503: "Unavailable right now",
}


def sign_in_redirect(request: Request, *, notice: str) -> RedirectResponse:
    """Back to sign-in with a fixed notice, returning to this page (a GET) afterwards."""
    target = request.url.path if request.method == "GET" else "/inbox"
    if request.method == "GET" and request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(f"/sign-in?notice={notice}&next={quote(target, safe='')}", status_code=303)


def error_page(request: Request, *, status_code: int, message: str, code: str | None = None) -> Response:
    """The error page: what went wrong in a sentence, with its status."""
    context = {"title": _TITLES.get(status_code, "Something went wrong"), "message": message, "code": code}
    return render(request, "error.html", context, status_code=status_code)


class PageRoute(APIRoute):
    """An APIRoute whose errors are rendered for a person instead of as JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SessionExpired:
                return sign_in_redirect(request, notice="expired")
            except Unauthenticated:
                return sign_in_redirect(request, notice="sign_in")
            except ServiceError as exc:
                if exc.status_code >= 500:
                    logger.warning("page error", extra={"code": exc.code, "path": request.url.path})
                return error_page(request, status_code=exc.status_code, message=exc.message, code=exc.code)
            except RequestValidationError as exc:
                fields = ", ".join(".".join(str(p) for p in e["loc"][1:]) or "request" for e in exc.errors())
                return error_page(request, status_code=422, message=f"Not a valid address or form: {fields}.")

        return page_handler


def page_router() -> APIRouter:
    """A router for pages: rendered errors, and nothing in the OpenAPI contract (it documents the JSON API)."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)
