"""The approver's inbox: their open tasks and those of people who delegated to them."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import repository
from app.approvals.models import ApprovalTask
from app.directory import service as directory


async def inbox(*, session: AsyncSession, person_id: str, now: datetime) -> Sequence[ApprovalTask]:
    """Open tasks assigned to the person or to someone who delegated to them, earliest deadline first."""
    acting_for = await directory.acting_for(session=session, person_id=person_id, at=now)
    return await repository.open_tasks_for(session, assignee_ids=acting_for)
