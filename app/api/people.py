"""The approver directory: people and their delegations."""

from typing import Annotated

from fastapi import APIRouter, Path, status

from app.api.deps import ClockDep, IdPath, PrincipalDep, ReadSessionDep, SessionDep
from app.api.errors import error_responses
from app.auth.principal import Principal, require_admin
from app.directory import repository
from app.directory import service as directory
from app.directory.schemas import PERSON_ID_PATTERN, DelegationCreate, DelegationRead, PersonCreate, PersonRead
from app.errors import Forbidden, NotFound

router = APIRouter(tags=["directory"])

PersonPath = Annotated[str, Path(min_length=1, max_length=200, pattern=PERSON_ID_PATTERN)]


def self_or_admin(principal: Principal, person_id: str) -> None:
    """Only the person themself or an administrator; 403 otherwise."""
    if not (principal.is_admin or principal.person_id == person_id):
        raise Forbidden("Only the person themself or an administrator may do this.")


@router.put(
    "/v1/people/{person_id}",
    operation_id="put_person",
    summary="Create or update a person",
    response_model=PersonRead,
    responses=error_responses(401, 403, 413, 503),
)
async def put_person(
    person_id: PersonPath, person_in: PersonCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> PersonRead:
    """Create or update a person and their roles (administrators); the path names the person."""
    require_admin(principal)
    person = await directory.upsert_person(session=session, person_id=person_id, person_in=person_in, now=clock.now())
    return PersonRead.model_validate(person)


@router.get(
    "/v1/people",
    operation_id="list_people",
    summary="List people",
    response_model=list[PersonRead],
    responses=error_responses(401, 403, 503),
)
async def list_people(principal: PrincipalDep, session: ReadSessionDep) -> list[PersonRead]:
    """Everyone in the directory (administrators)."""
    require_admin(principal)
    return [PersonRead.model_validate(p) for p in await directory.list_people(session=session)]


@router.get(
    "/v1/people/{person_id}",
    operation_id="get_person",
    summary="Get a person",
    response_model=PersonRead,
    responses=error_responses(401, 403, 404, 503),
)
async def get_person(person_id: IdPath, principal: PrincipalDep, session: ReadSessionDep) -> PersonRead:
    """One person (themself or administrators)."""
    self_or_admin(principal, person_id)
    return PersonRead.model_validate(await directory.get_person(session=session, person_id=person_id))


@router.post(
    "/v1/people/{person_id}/delegations",
    operation_id="create_delegation",
    summary="Delegate approvals",
    status_code=status.HTTP_201_CREATED,
    response_model=DelegationRead,
    responses=error_responses(400, 401, 403, 404, 409, 413, 503),
)
async def create_delegation(
    person_id: IdPath, delegation_in: DelegationCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> DelegationRead:
    """Name a delegate for a period (out of office); the delegate's actions are recorded as delegated."""
    self_or_admin(principal, person_id)
    delegation = await directory.create_delegation(
        session=session, person_id=person_id, delegation_in=delegation_in, now=clock.now()
    )
    return DelegationRead.model_validate(delegation)


@router.get(
    "/v1/people/{person_id}/delegations",
    operation_id="list_delegations",
    summary="List a person's delegations",
    response_model=list[DelegationRead],
    responses=error_responses(401, 403, 503),
)
async def list_delegations(person_id: IdPath, principal: PrincipalDep, session: ReadSessionDep) -> list[DelegationRead]:
    """Delegations a person has given (themself or administrators)."""
    self_or_admin(principal, person_id)
    delegations = await directory.list_delegations(session=session, person_id=person_id)
    return [DelegationRead.model_validate(d) for d in delegations]


@router.delete(
    "/v1/delegations/{delegation_id}",
    operation_id="revoke_delegation",
    summary="End a delegation",
    response_model=DelegationRead,
    responses=error_responses(401, 403, 404, 503),
)
async def revoke_delegation(
    delegation_id: IdPath, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> DelegationRead:
    """End a delegation now (the person who gave it, or administrators)."""
    delegation = await repository.get_delegation(session, delegation_id=delegation_id)
    if delegation is None or not (principal.is_admin or delegation.person_id == principal.person_id):
        raise NotFound(f"No delegation with id {delegation_id!r}.")
    revoked = await directory.revoke_delegation(session=session, delegation_id=delegation_id, now=clock.now())
    return DelegationRead.model_validate(revoked)
