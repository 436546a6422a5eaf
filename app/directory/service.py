"""The approver directory: people and their delegations."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.directory import repository
from app.directory.models import Delegation, Person
from app.directory.schemas import DelegationCreate, PersonCreate, PersonSeed
from app.errors import BadRequest, Conflict, NotFound


async def upsert_person(*, session: AsyncSession, person_id: str, person_in: PersonCreate, now: datetime) -> Person:
    """Create a person or replace their details and roles."""
    person = await repository.get_person(session, person_id=person_id)
    values = person_in.model_dump(mode="json", exclude={"id"})
    values["roles"] = sorted(set(values["roles"]))
    if person is None:
        person = Person(id=person_id, **values, created_at=now)
        repository.add(session, person)
    else:
        for key, value in values.items():
            setattr(person, key, value)
    await session.flush()
    return person


async def add_missing_person(*, session: AsyncSession, person_in: PersonSeed, now: datetime) -> bool:
    """Add a seeded person who is not in the directory yet; an existing person is never changed or reactivated.

    One insert that does nothing if the person exists, so processes seeding together do not collide.
    """
    values = person_in.model_dump(mode="json")
    values["roles"] = sorted(set(values["roles"]))
    return await repository.add_if_missing(session, values={**values, "created_at": now})


async def get_person(*, session: AsyncSession, person_id: str) -> Person:
    """Return a person or raise NotFound."""
    person = await repository.get_person(session, person_id=person_id)
    if person is None:
        raise NotFound(f"No person with id {person_id!r}.")
    return person


async def find_person(*, session: AsyncSession, person_id: str | None) -> Person | None:
    """The person, or None (no id, or nobody by that id)."""
    return None if person_id is None else await repository.get_person(session, person_id=person_id)


async def list_people(*, session: AsyncSession) -> Sequence[Person]:
    """Return everyone in the directory."""
    return await repository.list_people(session)


async def create_delegation(
    *, session: AsyncSession, person_id: str, delegation_in: DelegationCreate, now: datetime
) -> Delegation:
    """Let a delegate act for a person between two times (out of office)."""
    await get_person(session=session, person_id=person_id)
    delegate = await get_person(session=session, person_id=delegation_in.delegate_id)
    if delegate.id == person_id:
        raise BadRequest("A person cannot delegate to themselves.")
    if not delegate.active:
        raise Conflict(f"{delegate.id!r} is not active and cannot be a delegate.")
    if delegation_in.ends_at <= delegation_in.starts_at:
        raise BadRequest("ends_at must be after starts_at.")
    delegation = Delegation(
        id=str(uuid.uuid4()),
        person_id=person_id,
        delegate_id=delegate.id,
        starts_at=delegation_in.starts_at,
        ends_at=delegation_in.ends_at,
        created_at=now,
    )
    repository.add(session, delegation)
    await session.flush()
    return delegation


async def revoke_delegation(*, session: AsyncSession, delegation_id: str, now: datetime) -> Delegation:
    """End a delegation now."""
    delegation = await repository.get_delegation(session, delegation_id=delegation_id)
    if delegation is None:
        raise NotFound(f"No delegation with id {delegation_id!r}.")
    if delegation.revoked_at is None:
        delegation.revoked_at = now
        await session.flush()
    return delegation


async def list_delegations(*, session: AsyncSession, person_id: str) -> Sequence[Delegation]:
    """Every delegation a person has given."""
    return await repository.delegations_of(session, person_id=person_id)


async def acting_for(*, session: AsyncSession, person_id: str, at: datetime) -> set[str]:
    """Whose tasks this person may act on now: their own and those delegated to them."""
    return {person_id, *await repository.principals_delegating_to(session, delegate_id=person_id, at=at)}
