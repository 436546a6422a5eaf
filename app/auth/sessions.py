"""Web sessions: a person signs in to the pages with their personal token and gets a session that expires.

A session is a token of kind `session` in the same table as API tokens, so it is stored only as a hash,
revoked like any token, and recorded as the token of every action taken with it (the timeline's token_id);
exchanged_from_id names the personal token it was started with, and revoking that token ends its sessions.
"""

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import repository
from app.auth import service as tokens
from app.auth.principal import Principal, TokenKind
from app.directory import repository as directory_repository
from app.errors import Unauthenticated

SESSION_LABEL = "web session"


class SessionExpired(Unauthenticated):
    """The session was valid but its time is over: the person signs in again."""

    code = "session_expired"


@dataclass(frozen=True, kw_only=True)
class WebSession:
    principal: Principal
    expires_at: datetime


def csrf_token(secret: str) -> str:
    """The session's form token: derived from the session secret, which only the httpOnly cookie carries."""
    return hmac.new(secret.encode(), b"save-offers/csrf/v1", hashlib.sha256).hexdigest()


def csrf_matches(*, secret: str, presented: str) -> bool:
    """Whether a form's token is the session's (compared in constant time)."""
    return hmac.compare_digest(csrf_token(secret), presented)


async def start(*, session: AsyncSession, personal_token: str, now: datetime) -> tuple[str, Principal]:
    """Exchange a person's own token for a new session secret; 401 for anything but a live personal token."""
    principal = await tokens.principal_for(session=session, secret=personal_token)
    if principal.token_kind is not TokenKind.PERSONAL or principal.person_id is None:
        raise Unauthenticated("Sign in with your personal token (a temporary credential must be exchanged first).")
    token, secret = await tokens.create_token(
        session,
        kind=TokenKind.SESSION,
        label=SESSION_LABEL,
        now=now,
        issued_by=principal.person_id,
        person_id=principal.person_id,
        exchanged_from_id=principal.token_id,
    )
    return secret, Principal(
        person_id=principal.person_id, is_admin=principal.is_admin, token_id=token.id, token_kind=TokenKind.SESSION
    )


async def resolve(*, session: AsyncSession, secret: str, now: datetime, lifetime: timedelta) -> WebSession:
    """The person behind a session cookie; SessionExpired once its lifetime is over, 401 when revoked or unknown."""
    token = await repository.token_by_hash(session, token_hash=tokens.hash_token(secret))
    if token is None or token.kind != TokenKind.SESSION:
        raise Unauthenticated("You are signed out. Sign in with your personal token.")
    expires_at = token.created_at + lifetime
    if now >= expires_at:
        raise SessionExpired("Your session has expired. Sign in again.")
    if token.exchanged_from_id is not None:
        origin = await repository.get_token(session, token_id=token.exchanged_from_id)
        if origin is None or origin.revoked_at is not None:
            raise Unauthenticated("The token you signed in with was revoked. Sign in with a current token.")
    person = await directory_repository.get_person(session, person_id=token.person_id or "")
    if person is None or not person.active:
        raise Unauthenticated("Your account is not active in the directory.")
    principal = Principal(
        person_id=person.id, is_admin=person.is_admin, token_id=token.id, token_kind=TokenKind.SESSION
    )
    return WebSession(principal=principal, expires_at=expires_at)


async def end(*, session: AsyncSession, secret: str, now: datetime) -> None:
    """Sign out: the session's token is revoked at once; an unknown or ended session is left as it is."""
    token = await repository.token_by_hash(session, token_hash=tokens.hash_token(secret))
    if token is not None and token.kind == TokenKind.SESSION:
        await tokens.revoke_token(session=session, token_id=token.id, now=now)
