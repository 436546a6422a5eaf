"""Every query of save cases and their history."""

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals.models import ApprovalTask
from app.cases.models import CaseEvent, SaveCase


async def get_case(session: AsyncSession, *, case_id: str) -> SaveCase | None:
    return await session.get(SaveCase, case_id)


async def lock_case(session: AsyncSession, *, case_id: str, skip_locked: bool = False) -> SaveCase | None:
    """The case, read afresh under its row lock: the first lock every workflow change takes.

    Lock order, everywhere: the case row, then its task rows, then new rows. On
    SQLite the transaction's write lock (BEGIN IMMEDIATE) serializes instead.
    """
    stmt = (
        select(SaveCase)
        .where(SaveCase.id == case_id)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def events_of_case(session: AsyncSession, *, case_id: str) -> Sequence[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return (await session.execute(stmt)).scalars().all()


async def case_ids_past_renewal(session: AsyncSession, *, today: str, statuses: Sequence[str]) -> Sequence[str]:
    stmt = select(SaveCase.id).where(
        SaveCase.status.in_(statuses), SaveCase.renewal_date.is_not(None), SaveCase.renewal_date < today
    )
    return (await session.execute(stmt)).scalars().all()


async def case_involves(session: AsyncSession, *, case_id: str, person_ids: set[str]) -> bool:
    """Whether any of these people is the case's owner, requester or the assignee of one of its tasks."""
    people = sorted(person_ids)
    as_party = select(SaveCase.id).where(
        SaveCase.id == case_id, or_(SaveCase.owner_id.in_(people), SaveCase.requester_id.in_(people))
    )
    as_assignee = select(ApprovalTask.id).where(ApprovalTask.case_id == case_id, ApprovalTask.assignee_id.in_(people))
    return (await session.execute(as_party.limit(1))).first() is not None or (
        await session.execute(as_assignee.limit(1))
    ).first() is not None


def add(session: AsyncSession, obj: SaveCase | CaseEvent) -> None:
    session.add(obj)
