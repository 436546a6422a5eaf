"""Every query of outcome events."""

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.outcomes.models import OutcomeEvent


async def get_by_event(session: AsyncSession, *, source: str, event_id: str) -> OutcomeEvent | None:
    stmt = select(OutcomeEvent).where(OutcomeEvent.source == source, OutcomeEvent.event_id == event_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def events_of_case(session: AsyncSession, *, case_id: str) -> Sequence[OutcomeEvent]:
    stmt = select(OutcomeEvent).where(OutcomeEvent.case_id == case_id).order_by(OutcomeEvent.occurred_at)
    return (await session.execute(stmt)).scalars().all()


def add(session: AsyncSession, event: OutcomeEvent) -> None:
    session.add(event)
