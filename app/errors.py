"""Errors that carry their HTTP status, and the handler that renders them as JSON."""

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException


class ServiceError(Exception):
    """An error the API reports as is: a status, a stable code and a sentence."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    status_code = 404
    code = "not_found"


class BadRequest(ServiceError):
    status_code = 400
    code = "bad_request"


class Unauthenticated(ServiceError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(ServiceError):
    status_code = 403
    code = "forbidden"


class Conflict(ServiceError):
    status_code = 409
    code = "conflict"


class IdempotencyConflict(ServiceError):
    status_code = 409
    code = "idempotency_conflict"


class PayloadTooLarge(ServiceError):
    status_code = 413
    code = "payload_too_large"


class BadQuery(ServiceError):
    status_code = 400
    code = "bad_query"


class PolicyUnavailable(ServiceError):
    """OPA could not be reached, timed out or gave no usable decision: fail closed."""

    status_code = 503
    code = "policy_unavailable"


class DatabaseUnavailable(ServiceError):
    """The decision could not be recorded, so none is returned."""

    status_code = 503
    code = "database_unavailable"


async def service_error_handler(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return JSONResponse(status_code=exc.status_code, content={"detail": exc.message, "code": exc.code}, headers=headers)


async def http_error_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's HTTP errors, except a body that is not UTF-8: that is malformed JSON, a 422 like any other."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and isinstance(exc.__cause__, UnicodeDecodeError):
        detail = [{"type": "json_invalid", "loc": ["body"], "msg": "The body is not UTF-8 encoded JSON.", "input": {}}]
        return JSONResponse(status_code=422, content={"detail": detail})
    return await http_exception_handler(request, exc)
