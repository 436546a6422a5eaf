"""Directory administration: people, their tokens and delegations."""

from fastapi import APIRouter, status

from app.auth.principal import Principal, require_admin
from app.decisions.schemas import ErrorRead
from app.deps import ClockDep, PrincipalDep, SessionDep
from app.directory import repository
from app.directory import service as directory
from app.directory.schemas import (
    DelegationCreate,
    DelegationRead,
    PersonCreate,
    PersonRead,
    ServiceTokenCreate,
    TokenCreate,
    TokenCreatedRead,
    TokenRead,
)
from app.errors import BadRequest, Forbidden, NotFound

router = APIRouter(tags=["directory"])

_ERRORS = {
    code: {"model": ErrorRead, "description": text}
    for code, text in {
        400: "Invalid request.",
        401: "No valid API token.",
        403: "Only administrators (or the person themself, where noted) may do this.",
        404: "No such person, token or delegation.",
        409: "Conflict with the directory's state.",
        413: "The body is larger than the configured limit.",
        503: "The database is unavailable.",
    }.items()
}


def _self_or_admin(principal: Principal, person_id: str) -> None:
    if not (principal.is_admin or principal.person_id == person_id):
        raise Forbidden("Only the person themself or an administrator may do this.")


@router.put("/v1/people/{person_id}", operation_id="put_person", summary="Create or update a person", response_model=PersonRead, responses={c: _ERRORS[c] for c in (400, 401, 403, 413, 503)})
async def put_person(person_id: str, person_in: PersonCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep) -> PersonRead:
    """Create or update a person and their roles (administrators)."""
    require_admin(principal)
    if person_in.id != person_id:
        raise BadRequest("The body's id must match the path.")
    return PersonRead.model_validate(await directory.upsert_person(session=session, person_in=person_in, now=clock.now()))


@router.get("/v1/people", operation_id="list_people", summary="List people", response_model=list[PersonRead], responses={c: _ERRORS[c] for c in (401, 403, 503)})
async def list_people(principal: PrincipalDep, session: SessionDep) -> list[PersonRead]:
    """Everyone in the directory (administrators)."""
    require_admin(principal)
    return [PersonRead.model_validate(p) for p in await directory.list_people(session=session)]


@router.get("/v1/people/{person_id}", operation_id="get_person", summary="Get a person", response_model=PersonRead, responses={c: _ERRORS[c] for c in (401, 403, 404, 503)})
async def get_person(person_id: str, principal: PrincipalDep, session: SessionDep) -> PersonRead:
    """One person (themself or administrators)."""
    _self_or_admin(principal, person_id)
    return PersonRead.model_validate(await directory.get_person(session=session, person_id=person_id))


@router.post(
    "/v1/people/{person_id}/tokens", operation_id="create_person_token", summary="Issue a person's token", status_code=status.HTTP_201_CREATED,
    response_model=TokenCreatedRead, responses={c: _ERRORS[c] for c in (400, 401, 403, 404, 413, 503)},
)  # fmt: skip
async def create_person_token(
    person_id: str, token_in: TokenCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> TokenCreatedRead:
    """Issue an API token for a person (administrators); the secret is shown once."""
    require_admin(principal)
    token, secret = await directory.create_token(session=session, label=token_in.label, person_id=person_id, now=clock.now())
    return TokenCreatedRead(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.post(
    "/v1/service-tokens", operation_id="create_service_token", summary="Issue a service token", status_code=status.HTTP_201_CREATED,
    response_model=TokenCreatedRead, responses={c: _ERRORS[c] for c in (400, 401, 403, 413, 503)},
)  # fmt: skip
async def create_service_token(
    token_in: ServiceTokenCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> TokenCreatedRead:
    """Issue a token for an integration that decides cases (administrators); the secret is shown once."""
    require_admin(principal)
    token, secret = await directory.create_token(
        session=session, label=token_in.label, service_name=token_in.service_name, now=clock.now()
    )
    return TokenCreatedRead(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/v1/tokens/{token_id}", operation_id="revoke_token", summary="Revoke a token", response_model=TokenRead, responses={c: _ERRORS[c] for c in (401, 404, 503)})
async def revoke_token(token_id: str, principal: PrincipalDep, session: SessionDep, clock: ClockDep) -> TokenRead:
    """Revoke a token (administrators, or the person it belongs to)."""
    token = await repository.get_token(session, token_id=token_id)
    if token is None or not (principal.is_admin or (token.person_id and token.person_id == principal.person_id)):
        raise NotFound(f"No token with id {token_id!r}.")
    return TokenRead.model_validate(await directory.revoke_token(session=session, token_id=token_id, now=clock.now()))


@router.post(
    "/v1/people/{person_id}/delegations", operation_id="create_delegation", summary="Delegate approvals", status_code=status.HTTP_201_CREATED,
    response_model=DelegationRead, responses={c: _ERRORS[c] for c in (400, 401, 403, 404, 409, 413, 503)},
)  # fmt: skip
async def create_delegation(
    person_id: str, delegation_in: DelegationCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> DelegationRead:
    """Name a delegate for a period (out of office); the delegate's actions are recorded as delegated."""
    _self_or_admin(principal, person_id)
    delegation = await directory.create_delegation(
        session=session, person_id=person_id, delegation_in=delegation_in, now=clock.now()
    )
    return DelegationRead.model_validate(delegation)


@router.get(
    "/v1/people/{person_id}/delegations", operation_id="list_delegations", summary="List a person's delegations", response_model=list[DelegationRead],
    responses={c: _ERRORS[c] for c in (401, 403, 503)},
)  # fmt: skip
async def list_delegations(person_id: str, principal: PrincipalDep, session: SessionDep) -> list[DelegationRead]:
    """Delegations a person has given (themself or administrators)."""
    _self_or_admin(principal, person_id)
    return [DelegationRead.model_validate(d) for d in await directory.list_delegations(session=session, person_id=person_id)]


@router.delete(
    "/v1/delegations/{delegation_id}", operation_id="revoke_delegation", summary="End a delegation", response_model=DelegationRead,
    responses={c: _ERRORS[c] for c in (401, 404, 503)},
)  # fmt: skip
async def revoke_delegation(delegation_id: str, principal: PrincipalDep, session: SessionDep, clock: ClockDep) -> DelegationRead:
    """End a delegation now (the person who gave it, or administrators)."""
    delegation = await repository.get_delegation(session, delegation_id=delegation_id)
    if delegation is None or not (principal.is_admin or delegation.person_id == principal.person_id):
        raise NotFound(f"No delegation with id {delegation_id!r}.")
    return DelegationRead.model_validate(await directory.revoke_delegation(session=session, delegation_id=delegation_id, now=clock.now()))
