"""Reading the caller from the request: a bearer token, or a CRM's signed webhook headers."""

import re
from datetime import datetime

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app import signing
from app.auth import service as tokens
from app.auth.principal import Principal
from app.config import Settings
from app.errors import Unauthenticated

SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SOURCE_HEADER = "X-Webhook-Source"
_SIGNATURE = re.compile(r"sha256=[0-9a-f]{64}")
# Unix seconds, ASCII digits only ("²" is a digit to str.isdigit, and int() refuses it).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def principal_from_token(*, session: AsyncSession, request: Request) -> Principal:
    """The principal behind the request's bearer token; 401 without a valid one."""
    secret = _bearer(request)
    if secret is None:
        raise Unauthenticated("Send an API token: Authorization: Bearer <token>.")
    return await tokens.principal_for(session=session, secret=secret)


def principal_from_webhook(*, settings: Settings, request: Request, body: bytes, now: datetime) -> Principal | None:
    """The CRM source behind a signed webhook; None when the request is not signed; 401 when anything is off."""
    signature = request.headers.get(SIGNATURE_HEADER)
    if signature is None:
        return None
    source = request.headers.get(SOURCE_HEADER, "")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    secret = settings.webhook_secrets.get(source)
    if secret is None:
        raise Unauthenticated(f"Unknown webhook source {source!r} (header {SOURCE_HEADER}).")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Unauthenticated(f"{TIMESTAMP_HEADER} must be the signing time in Unix seconds (ASCII digits).")
    if abs(now.timestamp() - int(timestamp)) > settings.webhook_replay_window_seconds:
        raise Unauthenticated("The webhook timestamp is outside the replay window; sign it again.")
    if not _SIGNATURE.fullmatch(signature):
        raise Unauthenticated(f"{SIGNATURE_HEADER} must be sha256=<64 lowercase hex digits>.")
    if not signing.verify(secret=secret.get_secret_value(), timestamp=timestamp, body=body, signature=signature):
        raise Unauthenticated("The webhook signature does not match the body.")
    return Principal(webhook_source=source)
