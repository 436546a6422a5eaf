"""Every query of the notification outbox."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import insert_if_absent
from app.notifications.models import DeliveryStatus, OutboxMessage


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[OutboxMessage]:
    """Pending messages due now, locked with SKIP LOCKED: concurrent claimers (workers, replicas) take
    disjoint rows, and the caller leases them (moves next_attempt_at) before its transaction ends."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == DeliveryStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(stmt)).scalars().all()


async def lock(session: AsyncSession, *, message_ids: Sequence[str]) -> Sequence[OutboxMessage]:
    """These messages, read afresh under their row locks (in id order, so two senders never deadlock)."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(sorted(message_ids)))
        .order_by(OutboxMessage.id)
        .with_for_update()
        .execution_options(populate_existing=True)
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


async def add_once(session: AsyncSession, values: dict[str, Any]) -> None:
    """Insert a message unless one with its id exists: one statement, the same change is queued once."""
    statement = insert_if_absent(session, OutboxMessage, values)
    # The outbox refers to nothing, so it need not wait for the workflow's pending rows.
    with session.no_autoflush:
        await session.execute(statement)
