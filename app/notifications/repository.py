"""Every query of the notification outbox."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.notifications.models import DeliveryStatus, OutboxMessage


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[OutboxMessage]:
    """Pending messages due now, locked so that one replica sends each."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == DeliveryStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).scalars().all()


async def get(session: AsyncSession, *, message_id: str) -> OutboxMessage | None:
    return await session.get(OutboxMessage, message_id)


async def list_all(session: AsyncSession) -> Sequence[OutboxMessage]:
    return (
        (await session.execute(select(OutboxMessage).order_by(OutboxMessage.created_at, OutboxMessage.id)))
        .scalars()
        .all()
    )


def add(session: AsyncSession, message: OutboxMessage) -> None:
    session.add(message)
