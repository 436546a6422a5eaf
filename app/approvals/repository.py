"""Every query of approval tasks."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals.models import ApprovalTask
from app.approvals.states import TaskStatus


async def get_task(session: AsyncSession, *, task_id: str) -> ApprovalTask | None:
    return await session.get(ApprovalTask, task_id)


async def tasks_of_case(session: AsyncSession, *, case_id: str, for_update: bool = False) -> Sequence[ApprovalTask]:
    """Every task of a case, read afresh (locked too when asked: after the case row, in id order)."""
    stmt = (
        select(ApprovalTask)
        .where(ApprovalTask.case_id == case_id)
        .order_by(ApprovalTask.created_at, ApprovalTask.id)
        .execution_options(populate_existing=True)
    )
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalars().all()


async def open_tasks_for(session: AsyncSession, *, assignee_ids: set[str]) -> Sequence[ApprovalTask]:
    stmt = (
        select(ApprovalTask)
        .where(ApprovalTask.status == TaskStatus.OPEN, ApprovalTask.assignee_id.in_(sorted(assignee_ids)))
        .order_by(ApprovalTask.due_at, ApprovalTask.id)
    )
    return (await session.execute(stmt)).scalars().all()


async def overdue_case_ids(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[str]:
    """Cases with an open, not yet escalated task past its deadline (read without locks; each case is locked next)."""
    stmt = (
        select(ApprovalTask.case_id)
        .where(ApprovalTask.status == TaskStatus.OPEN, ApprovalTask.escalated_at.is_(None), ApprovalTask.due_at <= now)
        .group_by(ApprovalTask.case_id)
        .order_by(ApprovalTask.case_id)
        .limit(limit)
    )
    return (await session.execute(stmt)).scalars().all()


def add(session: AsyncSession, task: ApprovalTask) -> None:
    session.add(task)
