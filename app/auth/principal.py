"""Who is calling: a person by API token, a service by token, or a CRM by a signed webhook."""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.directory import repository as directory_repository
from app.directory import service as directory
from app.errors import Forbidden, Unauthenticated

SIGNATURE_HEADER = "X-Webhook-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
SOURCE_HEADER = "X-Webhook-Source"


@dataclass(frozen=True, kw_only=True)
class Principal:
    person_id: str | None = None
    service_name: str | None = None
    webhook_source: str | None = None
    is_admin: bool = False

    @property
    def is_integration(self) -> bool:
        """A CRM or other system, not a person: it may decide cases and read decisions."""
        return self.service_name is not None or self.webhook_source is not None


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


async def principal_from_token(*, session: AsyncSession, request: Request) -> Principal:
    """The principal behind the request's bearer token; 401 without a valid one."""
    secret = _bearer(request)
    if secret is None:
        raise Unauthenticated("Send an API token: Authorization: Bearer <token>.")
    token = await directory.resolve_token(session=session, token=secret)
    if token is None:
        raise Unauthenticated("The API token is unknown or revoked.")
    if token.service_name is not None:
        return Principal(service_name=token.service_name)
    person = await directory_repository.get_person(session, person_id=token.person_id or "")
    if person is None or not person.active:
        raise Unauthenticated("The token's owner is not an active person in the directory.")
    return Principal(person_id=person.id, is_admin=person.is_admin)


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    """The signature a CRM sends: HMAC-SHA256 over "<timestamp>." + raw body, hex, prefixed "sha256="."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def principal_from_webhook(*, settings: Settings, request: Request, body: bytes, now: datetime) -> Principal | None:
    """The CRM source behind a signed webhook; None when the request is not signed."""
    signature = request.headers.get(SIGNATURE_HEADER)
    if signature is None:
        return None
    source = request.headers.get(SOURCE_HEADER, "")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    secret = settings.webhook_secrets.get(source)
    if secret is None:
        raise Unauthenticated(f"Unknown webhook source {source!r} (header {SOURCE_HEADER}).")
    if not timestamp.isdigit():
        raise Unauthenticated(f"{TIMESTAMP_HEADER} must be the signing time in Unix seconds.")
    if abs(now.timestamp() - int(timestamp)) > settings.webhook_replay_window_seconds:
        raise Unauthenticated("The webhook timestamp is outside the replay window; sign it again.")
    expected = webhook_signature(secret=secret.get_secret_value(), timestamp=timestamp, body=body)
    if not hmac.compare_digest(expected, signature):
        raise Unauthenticated("The webhook signature does not match the body.")
    return Principal(webhook_source=source)


def require_admin(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden("Only directory administrators may do this.")


def require_person(principal: Principal) -> str:
    if principal.person_id is None:
        raise Forbidden("Only a person may do this, with their own API token.")
    return principal.person_id
