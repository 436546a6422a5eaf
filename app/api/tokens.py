"""API tokens: a person's own, temporary credentials an administrator issues, integrations' service tokens."""

from fastapi import APIRouter, status

from app.api.deps import AnyTokenDep, ClockDep, IdPath, PrincipalDep, SessionDep
from app.api.errors import error_responses
from app.auth import service as tokens
from app.auth.models import ApiToken
from app.auth.principal import require_admin
from app.auth.schemas import ServiceTokenCreate, TokenCreate, TokenCreatedRead, TokenRead
from app.errors import NotFound

router = APIRouter(tags=["directory"])


def _created(token: ApiToken, secret: str) -> TokenCreatedRead:
    return TokenCreatedRead(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.post(
    "/v1/people/{person_id}/tokens",
    operation_id="create_person_token",
    summary="Issue a person's token",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreatedRead,
    responses=error_responses(401, 403, 404, 413, 503),
)
async def create_person_token(
    person_id: IdPath, token_in: TokenCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> TokenCreatedRead:
    """Issue a token: a person gets a personal token for themself; an administrator issuing one for someone
    else gets a temporary credential, which its holder exchanges once for their own token and which can do
    nothing else. The secret is shown once."""
    token, secret = await tokens.issue_person_token(
        session=session, person_id=person_id, issuer=principal, label=token_in.label, now=clock.now()
    )
    return _created(token, secret)


@router.post(
    "/v1/tokens/exchange",
    operation_id="exchange_token",
    summary="Exchange a temporary credential",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreatedRead,
    responses=error_responses(
        401,
        403,
        409,
        413,
        503,
        e403="Only a temporary credential can be exchanged.",
        e409="The temporary credential was already exchanged.",
    ),
)
async def exchange_token(
    token_in: TokenCreate, principal: AnyTokenDep, session: SessionDep, clock: ClockDep
) -> TokenCreatedRead:
    """Trade the temporary credential you were given, once, for a personal token of your own."""
    token, secret = await tokens.exchange(session=session, principal=principal, label=token_in.label, now=clock.now())
    return _created(token, secret)


@router.post(
    "/v1/service-tokens",
    operation_id="create_service_token",
    summary="Issue a service token",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreatedRead,
    responses=error_responses(401, 403, 413, 503),
)
async def create_service_token(
    token_in: ServiceTokenCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> TokenCreatedRead:
    """Issue a token for a CRM integration (administrators), bound to its source: it may decide that source's
    cases and read decisions, nothing else. The secret is shown once."""
    admin_id = require_admin(principal)
    token, secret = await tokens.issue_service_token(
        session=session, service_name=token_in.service_name, issued_by=admin_id, label=token_in.label, now=clock.now()
    )
    return _created(token, secret)


@router.delete(
    "/v1/tokens/{token_id}",
    operation_id="revoke_token",
    summary="Revoke a token",
    response_model=TokenRead,
    responses=error_responses(401, 403, 404, 503),
)
async def revoke_token(token_id: IdPath, principal: PrincipalDep, session: SessionDep, clock: ClockDep) -> TokenRead:
    """Revoke a token (administrators, or the person it belongs to)."""
    token = await tokens.get_token(session=session, token_id=token_id)
    if not (principal.is_admin or (token.person_id and token.person_id == principal.person_id)):
        raise NotFound(f"No token with id {token_id!r}.")
    return TokenRead.model_validate(await tokens.revoke_token(session=session, token_id=token_id, now=clock.now()))
