"""Annotated dependency aliases: what a route needs, by name."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.auth import principal_from_token, principal_from_webhook
from app.auth.principal import Principal, TokenKind
from app.clock import Clock
from app.config import Settings
from app.database import Database
from app.errors import Forbidden
from app.inbound import NO_NUL_PATTERN
from app.policy.client import PolicyClient
from app.policy.supervisor import EmbeddedOpa
from app.shadow.service import ShadowEvaluator


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    # A context manager, not a loop over a generator: the request's exception must reach
    # session_scope so it rolls back and turns a database error into a 503.
    async with request.app.state.database.write() as session:
        yield session


async def _read_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.database.read() as session:
        yield session


# The getters below are async on purpose: FastAPI runs a plain `def` dependency in its threadpool,
# a round trip to a worker thread on every request only to read an attribute of the app's state.
async def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def _policy(request: Request) -> PolicyClient:
    policy: PolicyClient = request.app.state.policy
    return policy


async def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _shadow(request: Request) -> ShadowEvaluator | None:
    shadow: ShadowEvaluator | None = request.app.state.shadow
    return shadow


async def _embedded_opa(request: Request) -> EmbeddedOpa | None:
    embedded: EmbeddedOpa | None = request.app.state.embedded_opa
    return embedded


# scope="function": the commit runs before the response is sent, so a failed
# commit becomes a 503 instead of a change the database never recorded.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
# Reads only: no writer turn, nothing to commit.
ReadSessionDep = Annotated[AsyncSession, Depends(_read_session, scope="function")]
# For use-cases that ask OPA between a read and a write: they open each transaction themselves.
DatabaseDep = Annotated[Database, Depends(_database)]
PolicyDep = Annotated[PolicyClient, Depends(_policy)]
ClockDep = Annotated[Clock, Depends(_clock)]
SettingsDep = Annotated[Settings, Depends(_settings)]
EmbeddedOpaDep = Annotated[EmbeddedOpa | None, Depends(_embedded_opa)]
# The shadow evaluator when SHADOW_RELEASE is set and its OPA started (app.shadow); else None.
ShadowDep = Annotated[ShadowEvaluator | None, Depends(_shadow)]


# Declared for the OpenAPI contract only; app/api/auth.py reads and checks the headers.
_api_token = HTTPBearer(
    auto_error=False, scheme_name="apiToken", description="A person's or an integration's API token."
)
_webhook_signature = APIKeyHeader(
    name="X-Webhook-Signature",
    auto_error=False,
    scheme_name="webhookSignature",
    description=(
        'CRM webhooks: sha256=<hex HMAC-SHA256 of "<X-Webhook-Timestamp>.<raw body>" with the source\'s secret>, '
        "with X-Webhook-Source and X-Webhook-Timestamp (Unix seconds, within the replay window)."
    ),
)
_TokenDoc = Annotated[HTTPAuthorizationCredentials | None, Depends(_api_token)]
_SignatureDoc = Annotated[str | None, Depends(_webhook_signature)]
_SourceDoc = Annotated[
    str | None,
    Header(alias="X-Webhook-Source", description="Signed webhooks: the CRM source whose secret signed the body."),
]
_TimestampDoc = Annotated[
    str | None,
    Header(alias="X-Webhook-Timestamp", description="Signed webhooks: the signing time in Unix seconds."),
]


async def _token_principal(request: Request, database: Database) -> Principal:
    # Its own short read, so that resolving the caller never starts the request's write transaction.
    async with database.read() as session:
        return await principal_from_token(session=session, request=request)


async def _any_token(request: Request, database: DatabaseDep, _token: _TokenDoc) -> Principal:
    return await _token_principal(request, database)


async def _principal(principal: Annotated[Principal, Depends(_any_token)]) -> Principal:
    if principal.token_kind is TokenKind.TEMPORARY:
        raise Forbidden("This is a temporary credential: exchange it for your own token at POST /v1/tokens/exchange.")
    return principal


async def _integration(
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    clock: ClockDep,
    _token: _TokenDoc,
    _signature: _SignatureDoc,
    _source: _SourceDoc = None,
    _timestamp: _TimestampDoc = None,
) -> Principal:
    """A CRM webhook signed with its source's secret, or a caller with a service token."""
    signed = principal_from_webhook(settings=settings, request=request, body=await request.body(), now=clock.now())
    principal = signed or await _token_principal(request, database)
    if not principal.is_integration:
        raise Forbidden("Cases are decided by CRM webhooks (signed) or integrations with a service token.")
    return principal


PrincipalDep = Annotated[Principal, Depends(_principal)]
IntegrationDep = Annotated[Principal, Depends(_integration)]
# Any live token, temporary credentials included: only the exchange route takes it.
AnyTokenDep = Annotated[Principal, Depends(_any_token)]


# An id in a path: the contract says what the edge refuses (NUL, which PostgreSQL cannot compare).
IdPath = Annotated[str, Path(max_length=200, pattern=NO_NUL_PATTERN)]
