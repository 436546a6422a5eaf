"""Every query of save cases, approval tasks and case history."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals.models import ApprovalTask, CaseEvent, SaveCase

OPEN = "open"


async def get_case(session: AsyncSession, *, case_id: str, for_update: bool = False) -> SaveCase | None:
    stmt = select(SaveCase).where(SaveCase.id == case_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_task(session: AsyncSession, *, task_id: str) -> ApprovalTask | None:
    return await session.get(ApprovalTask, task_id)


async def tasks_of_case(session: AsyncSession, *, case_id: str) -> Sequence[ApprovalTask]:
    stmt = select(ApprovalTask).where(ApprovalTask.case_id == case_id).order_by(ApprovalTask.created_at, ApprovalTask.id)
    return (await session.execute(stmt)).scalars().all()


async def open_tasks_of_case(session: AsyncSession, *, case_id: str) -> Sequence[ApprovalTask]:
    stmt = select(ApprovalTask).where(ApprovalTask.case_id == case_id, ApprovalTask.status == OPEN)
    return (await session.execute(stmt)).scalars().all()


async def events_of_case(session: AsyncSession, *, case_id: str) -> Sequence[CaseEvent]:
    stmt = select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    return (await session.execute(stmt)).scalars().all()


async def open_tasks_for(session: AsyncSession, *, assignee_ids: set[str]) -> Sequence[ApprovalTask]:
    stmt = (
        select(ApprovalTask)
        .where(ApprovalTask.status == OPEN, ApprovalTask.assignee_id.in_(sorted(assignee_ids)))
        .order_by(ApprovalTask.due_at, ApprovalTask.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def overdue_tasks(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[ApprovalTask]:
    """Open, not yet escalated tasks past their deadline, locked so that one replica escalates each."""
    stmt = (
        select(ApprovalTask)
        .where(ApprovalTask.status == OPEN, ApprovalTask.escalated_at.is_(None), ApprovalTask.due_at <= now)
        .order_by(ApprovalTask.due_at, ApprovalTask.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).scalars().all()


async def cases_past_renewal(session: AsyncSession, *, today: str, statuses: Sequence[str]) -> Sequence[SaveCase]:
    stmt = (
        select(SaveCase)
        .where(SaveCase.status.in_(statuses), SaveCase.renewal_date.is_not(None), SaveCase.renewal_date < today)
        .with_for_update(skip_locked=True)
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


def add(session: AsyncSession, obj: SaveCase | ApprovalTask | CaseEvent) -> None:
    session.add(obj)
