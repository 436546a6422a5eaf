"""One error vocabulary for every route: the JSON body, the declared responses, and the handlers that render them."""

import json
import logging
import math
from typing import Any

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.errors import InvalidField, ServiceError
from app.observability import decision_id_var

logger = logging.getLogger(__name__)


class ErrorRead(BaseModel):
    """Every error body: a sentence (or, for 422, the list of fields at fault) and a stable code."""

    detail: Any
    code: str | None = None


_MEANINGS = {
    400: "The request asks for something that cannot be (a missing reason, a bad filter).",
    401: "No valid API token or webhook signature.",
    403: "The caller may not do this.",
    404: "No such resource, or the caller has no role in it.",
    409: "The resource is not in a state that allows this; the body says what it is now.",
    413: "The body is larger than the configured limit.",
    503: "The policy engine or the database is unavailable; nothing was recorded.",
}


def error_responses(*codes: int, **overrides: str) -> dict[int | str, dict[str, Any]]:
    """The declared error responses of a route, from the one table; a route may reword one as `e409="..."`."""
    return {
        code: {"model": ErrorRead, "description": overrides.get(f"e{code}", _MEANINGS[code])} for code in sorted(codes)
    }


def _serializable(value: Any) -> Any:
    """An echoed input that JSON can carry: NaN, Infinity and lone surrogates are shown as their repr."""
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("ascii")
        return value
    if isinstance(value, dict):
        return {str(_serializable(k)): _serializable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_serializable(v) for v in value]
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)
    return value


async def service_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    if exc.status_code >= 500:
        # A failed attempt is logged as such, never under the id of a decision it did not record.
        decision_id_var.set(None)
        logger.warning("request failed; nothing was recorded", extra={"code": exc.code, "error": exc.message})
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    if isinstance(exc, InvalidField):
        detail = [{"type": exc.code, "loc": ["body", *exc.loc], "msg": exc.message}]
        return JSONResponse(status_code=422, content={"detail": detail, "code": exc.code})
    content: dict[str, Any] = {"detail": exc.message, "code": exc.code}
    if exc.current is not None:
        content["current"] = exc.current
    return JSONResponse(status_code=exc.status_code, content=content, headers=headers)


async def validation_error_handler(_: Request, exc: Exception) -> JSONResponse:
    """FastAPI's 422, with every echoed input made serializable (a NaN or a lone surrogate used to become a 500)."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {key: _serializable(value) for key, value in error.items() if key not in ("ctx", "url")}
        for error in exc.errors()
    ]
    return JSONResponse(status_code=422, content={"detail": errors})


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's HTTP errors, except a body that is not UTF-8: that is malformed JSON, a 422 like any other."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        detail = [{"type": "json_invalid", "loc": ["body"], "msg": "The body is not UTF-8 encoded JSON.", "input": {}}]
        return JSONResponse(status_code=422, content={"detail": detail})
    if exc.status_code == 405:
        return _method_not_allowed(request)
    return await http_exception_handler(request, exc)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _method_not_allowed(request: Request) -> Response:
    """405 with an Allow header listing every method served at the path, not only the first route's.

    Each method is tried against the app's routes through Starlette's public `matches`: FastAPI keeps
    included routers as route groups, so the top-level routes carry no paths or methods of their own.
    """
    allowed = [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in request.app.routes)
    ]
    return JSONResponse(
        status_code=405,
        content={"detail": "Method Not Allowed", "code": "method_not_allowed"},
        headers={"Allow": ", ".join(allowed)},
    )
