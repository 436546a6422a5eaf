"""Queueing notifications in the outbox, in the transaction of the change they report."""

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.directory import repository as directory_repository
from app.notifications import repository
from app.notifications.models import OutboxMessage

PENDING, SENT, DEAD = "pending", "sent", "dead"

def _queue(session: AsyncSession, *, target: str, url: str, event: str, payload: dict, now: datetime) -> None:
    repository.add(
        session,
        OutboxMessage(
            id=str(uuid.uuid4()),
            target=target,
            url=url,
            event=event,
            payload={"event": event, "at": now.isoformat(), **payload},
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        ),
    )


async def notify_person(session: AsyncSession, *, person_id: str | None, event: str, payload: dict, now: datetime) -> None:
    """Queue a notification to a person's webhook or chat endpoint, if they have one."""
    if person_id is None:
        return
    person = await directory_repository.get_person(session, person_id=person_id)
    if person is not None and person.notify_url:
        _queue(session, target="person", url=person.notify_url, event=event, payload={**payload, "person_id": person_id}, now=now)


async def notify_crm(session: AsyncSession, *, url: str | None, event: str, payload: dict, now: datetime) -> None:
    """Queue a case state change for the CRM, if a CRM endpoint is configured."""
    if url:
        _queue(session, target="crm", url=url, event=event, payload=payload, now=now)
