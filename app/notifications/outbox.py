"""Queueing notifications in the outbox, in the transaction of the change they report.

A message's id is derived from what it reports (the case or task, the event and
the decision), and the receiver gets it as Idempotency-Key: the same change is
queued once, and a receiver can drop a redelivery.
"""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.directory import repository as directory_repository
from app.notifications import repository
from app.notifications.models import DeliveryStatus

_KEYS = uuid.UUID("6f1d7c1e-3b0a-4c55-9a43-2d0c8e5b7a10")


async def _queue(
    session: AsyncSession, *, key: str, target: str, url: str, event: str, payload: dict[str, Any], now: datetime
) -> None:
    await repository.add_once(
        session,
        {
            "id": str(uuid.uuid5(_KEYS, key)),
            "target": target,
            "url": url,
            "event": event,
            "payload": {"event": event, "at": now.isoformat(), **payload},
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        },
    )


async def notify_person(
    session: AsyncSession, *, person_id: str | None, task_id: str, event: str, payload: dict[str, Any], now: datetime
) -> None:
    """Queue a notification to a person's webhook or chat endpoint, if they have one."""
    if person_id is None:
        return
    person = await directory_repository.get_person(session, person_id=person_id)
    if person is not None and person.notify_url:
        await _queue(
            session,
            key=f"task/{task_id}/{event}/{person_id}",
            target="person",
            url=person.notify_url,
            event=event,
            payload={**payload, "person_id": person_id},
            now=now,
        )


async def notify_crm(
    session: AsyncSession,
    *,
    url: str | None,
    case_id: str,
    decision_id: str,
    event: str,
    payload: dict[str, Any],
    now: datetime,
) -> None:
    """Queue a case state change for the CRM, if a CRM endpoint is configured."""
    if url:
        await _queue(
            session,
            key=f"case/{case_id}/{event}/{decision_id}",
            target="crm",
            url=url,
            event=event,
            payload=payload,
            now=now,
        )
