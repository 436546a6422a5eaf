"""Errors that carry their HTTP status: a domain raises them, the API layer renders them."""

from collections.abc import Sequence
from typing import Any


class ServiceError(Exception):
    """An error the API reports as is: a status, a stable code and a sentence."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str, *, code: str | None = None, current: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        # The state that made the request impossible (a 409 says what the case or task is now).
        self.current = current


class BadRequest(ServiceError):
    """A request that is well-formed but asks for something that cannot be: a missing reason, a bad filter."""

    status_code = 400
    code = "bad_request"


class Unauthenticated(ServiceError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(ServiceError):
    status_code = 403
    code = "forbidden"


class NotFound(ServiceError):
    status_code = 404
    code = "not_found"


class Conflict(ServiceError):
    """The case, task or token is not in a state that allows this (someone else acted first, for instance)."""

    status_code = 409
    code = "conflict"


class IdempotencyConflict(ServiceError):
    status_code = 409
    code = "idempotency_conflict"


class PayloadTooLarge(ServiceError):
    status_code = 413
    code = "payload_too_large"


class InvalidField(ServiceError):
    """A body field that parses but may not have this value here; rendered like a validation error, naming it."""

    status_code = 422
    code = "invalid_field"

    def __init__(self, message: str, *, loc: Sequence[str | int]) -> None:
        super().__init__(message)
        self.loc = tuple(loc)


class PolicyUnavailable(ServiceError):
    """OPA could not be reached, timed out or gave no usable decision: fail closed."""

    status_code = 503
    code = "policy_unavailable"


class DatabaseUnavailable(ServiceError):
    """The database could not be read or written, so nothing was recorded."""

    status_code = 503
    code = "database_unavailable"


class ChainBroken(ServiceError):
    """An audit chain cannot be appended to: the row its head names is missing (503: nothing is recorded)."""

    status_code = 503
    code = "audit_chain_broken"
    # PostgreSQL reports it with this SQLSTATE when the commit links the rows (app.audit.commit_links).
    sqlstate = "AU001"
