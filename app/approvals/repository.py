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


async def case_ids_involving(session: AsyncSession, *, person_ids: set[str]) -> set[str]:
    """Cases where any of these people is owner, requester or an assignee."""
    people = sorted(person_ids)
    stmt_cases = select(SaveCase.id).where(or_(SaveCase.owner_id.in_(people), SaveCase.requester_id.in_(people)))
    stmt_tasks = select(ApprovalTask.case_id).where(ApprovalTask.assignee_id.in_(people))
    return set((await session.execute(stmt_cases)).scalars()) | set((await session.execute(stmt_tasks)).scalars())


def add(session: AsyncSession, obj: SaveCase | ApprovalTask | CaseEvent) -> None:
    session.add(obj)
