"""Every query of the approver directory."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import insert_if_absent
from app.directory.models import Delegation, Person


async def get_person(session: AsyncSession, *, person_id: str) -> Person | None:
    # People are looked up in the middle of workflow changes; flushing those first would
    # only split one transaction's writes into more round trips.
    with session.no_autoflush:
        return await session.get(Person, person_id)


async def list_people(session: AsyncSession) -> Sequence[Person]:
    return (await session.execute(select(Person).order_by(Person.id))).scalars().all()


async def active_people(session: AsyncSession) -> Sequence[Person]:
    with session.no_autoflush:
        stmt = select(Person).where(Person.active.is_(True)).order_by(Person.id)
        return (await session.execute(stmt)).scalars().all()


async def get_delegation(session: AsyncSession, *, delegation_id: str) -> Delegation | None:
    return await session.get(Delegation, delegation_id)


async def delegations_of(session: AsyncSession, *, person_id: str) -> Sequence[Delegation]:
    stmt = select(Delegation).where(Delegation.person_id == person_id).order_by(Delegation.starts_at)
    return (await session.execute(stmt)).scalars().all()


async def principals_delegating_to(session: AsyncSession, *, delegate_id: str, at: datetime) -> list[str]:
    """People whose delegation to delegate_id is active at the given time."""
    stmt = select(Delegation.person_id).where(
        Delegation.delegate_id == delegate_id,
        Delegation.revoked_at.is_(None),
        Delegation.starts_at <= at,
        Delegation.ends_at > at,
    )
    return list((await session.execute(stmt)).scalars().all())


async def add_if_missing(session: AsyncSession, *, values: dict[str, Any]) -> bool:
    """Insert a person unless one with this id exists; whether it was inserted."""
    statement = insert_if_absent(session, Person, values).returning(Person.id)
    return (await session.execute(statement)).first() is not None


def add(session: AsyncSession, obj: Person | Delegation) -> None:
    session.add(obj)
