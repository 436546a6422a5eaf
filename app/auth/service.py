"""API tokens: issued, exchanged once when temporary, resolved to a principal, revoked."""

import hashlib
import secrets
import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import repository
from app.auth.models import ApiToken
from app.auth.principal import Principal, TokenKind
from app.directory import repository as directory_repository
from app.errors import Conflict, Forbidden, NotFound, Unauthenticated

TOKEN_PREFIX = "sot_"
# Who issued the tokens the operator mints on the server with the CLI.
CLI_ISSUER = "cli:server-operator"


def hash_token(token: str) -> str:
    """The stored form of a token; the token itself is never stored."""
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(
    session: AsyncSession,
    *,
    kind: TokenKind,
    label: str,
    now: datetime,
    issued_by: str | None,
    person_id: str | None = None,
    service_name: str | None = None,
    exchanged_from_id: str | None = None,
) -> tuple[ApiToken, str]:
    """Store a new token of any kind (as its hash) and return it with its secret, which is shown once."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        id=str(uuid.uuid4()),
        token_hash=hash_token(secret),
        kind=kind,
        person_id=person_id,
        service_name=service_name,
        label=label,
        issued_by=issued_by,
        exchanged_from_id=exchanged_from_id,
        created_at=now,
    )
    repository.add(session, token)
    await session.flush()
    return token, secret


async def issue_person_token(
    *, session: AsyncSession, person_id: str, issuer: Principal | None, label: str, now: datetime
) -> tuple[ApiToken, str]:
    """A token for a person: personal when they ask themselves or the server's operator mints it (issuer None),
    temporary when an administrator issues it for someone else."""
    person = await directory_repository.get_person(session, person_id=person_id)
    if person is None:
        raise NotFound(f"No person with id {person_id!r}.")
    if issuer is None:
        return await create_token(
            session, kind=TokenKind.PERSONAL, label=label, now=now, issued_by=CLI_ISSUER, person_id=person.id
        )
    if issuer.person_id == person.id:
        return await create_token(
            session, kind=TokenKind.PERSONAL, label=label, now=now, issued_by=person.id, person_id=person.id
        )
    if not issuer.is_admin:
        raise Forbidden("Only the person themself or an administrator may issue a token for them.")
    return await create_token(
        session, kind=TokenKind.TEMPORARY, label=label, now=now, issued_by=issuer.person_id, person_id=person.id
    )


async def issue_service_token(
    *, session: AsyncSession, service_name: str, issued_by: str, label: str, now: datetime
) -> tuple[ApiToken, str]:
    """A token for a CRM integration, bound to the source it may report for."""
    return await create_token(
        session, kind=TokenKind.SERVICE, label=label, now=now, issued_by=issued_by, service_name=service_name
    )


async def exchange(*, session: AsyncSession, principal: Principal, label: str, now: datetime) -> tuple[ApiToken, str]:
    """Trade a temporary credential, once, for a personal token; the new token records what it came from."""
    if principal.token_kind is not TokenKind.TEMPORARY or principal.token_id is None:
        raise Forbidden("Only a temporary credential can be exchanged.")
    temporary = await repository.get_token(session, token_id=principal.token_id, for_update=True)
    if temporary is None or temporary.revoked_at is not None:
        raise Unauthenticated("The temporary credential is unknown or revoked.")
    if temporary.exchanged_at is not None:
        raise Conflict(
            "This temporary credential was already exchanged; ask an administrator for a new one.",
            current={"exchanged_at": temporary.exchanged_at.isoformat()},
        )
    temporary.exchanged_at = now
    return await create_token(
        session,
        kind=TokenKind.PERSONAL,
        label=label,
        now=now,
        issued_by=temporary.person_id,
        person_id=temporary.person_id,
        exchanged_from_id=temporary.id,
    )


async def get_token(*, session: AsyncSession, token_id: str) -> ApiToken:
    """Return a token or raise NotFound."""
    token = await repository.get_token(session, token_id=token_id)
    if token is None:
        raise NotFound(f"No token with id {token_id!r}.")
    return token


async def revoke_token(*, session: AsyncSession, token_id: str, now: datetime) -> ApiToken:
    """Revoke a token; it stops working at once."""
    token = await get_token(session=session, token_id=token_id)
    if token.revoked_at is None:
        token.revoked_at = now
        await session.flush()
    return token


async def principal_for(*, session: AsyncSession, secret: str) -> Principal:
    """The principal behind a presented bearer secret; 401 when it is unknown, revoked, used or orphaned."""
    token = await repository.token_by_hash(session, token_hash=hash_token(secret))
    if token is None:
        raise Unauthenticated("The API token is unknown or revoked.")
    kind = TokenKind(token.kind)
    if kind is TokenKind.SESSION:
        raise Unauthenticated("A web session cookie is not an API token; send a personal or service token.")
    if kind is TokenKind.SERVICE:
        return Principal(service_name=token.service_name, token_id=token.id, token_kind=kind)
    if kind is TokenKind.TEMPORARY and token.exchanged_at is not None:
        raise Unauthenticated("This temporary credential was already exchanged.")
    person = await directory_repository.get_person(session, person_id=token.person_id or "")
    if person is None or not person.active:
        raise Unauthenticated("The token's owner is not an active person in the directory.")
    return Principal(person_id=person.id, is_admin=person.is_admin, token_id=token.id, token_kind=kind)
