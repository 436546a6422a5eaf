"""Sends queued notifications with an HMAC signature, retrying with backoff; a restart loses none.

Every worker and replica runs this sender; each message is delivered at least once:

- claim: one short transaction takes due messages with SELECT … FOR UPDATE SKIP LOCKED (on SQLite,
  BEGIN IMMEDIATE serializes the claimers instead), counts the attempt and leases them: their
  next_attempt_at moves to the end of the lease, so no other process claims them meanwhile;
- send: the claimed batch is posted concurrently, each post given at most half the lease;
- record: one transaction locks the rows again and writes the outcome. A delivery marks the
  message sent whoever holds it now; a failure is recorded only while the lease is still this
  run's (next_attempt_at unchanged), so a sender that outlived its lease never undoes the work
  of the process that took the message over.

A process that dies after claiming leaves its messages pending under the lease; once the lease
has passed, another process claims and sends them again. A receiver may therefore get a message
twice, always with the same Idempotency-Key: the message id, derived from the change it reports.
"""

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.notifications import repository
from app.notifications.models import DeliveryStatus
from app.signing import sign

logger = logging.getLogger(__name__)

# The default lease (the setting OUTBOX_LEASE_SECONDS): if this process dies mid-send, another sends after it.
DEFAULT_LEASE = timedelta(seconds=60)
_MAX_BACKOFF = timedelta(minutes=30)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 2, 4, 8 … seconds, capped at 30 minutes."""
    return min(timedelta(seconds=2**attempts), _MAX_BACKOFF)


@dataclass(frozen=True)
class _Claimed:
    id: str
    url: str
    event: str
    body: bytes


async def send_due(
    *,
    factory: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    secret: str,
    now: datetime,
    max_attempts: int,
    lease: timedelta = DEFAULT_LEASE,
    limit: int = 20,
) -> int:
    """Send what is due; return how many were delivered."""
    lease_until = now + lease
    batch = await _claim(factory, now=now, lease_until=lease_until, max_attempts=max_attempts, limit=limit)
    if not batch:
        return 0
    send_seconds = lease.total_seconds() / 2
    errors = await asyncio.gather(
        *(_post(http, message, secret=secret, now=now, send_seconds=send_seconds) for message in batch)
    )
    outcomes = {message.id: error for message, error in zip(batch, errors, strict=True)}
    return await _record(factory, outcomes=outcomes, now=now, lease_until=lease_until, max_attempts=max_attempts)


async def _claim(
    factory: async_sessionmaker[AsyncSession], *, now: datetime, lease_until: datetime, max_attempts: int, limit: int
) -> list[_Claimed]:
    """Lease the due messages to this run, counting the attempt; give up on those whose attempts all went unanswered."""
    batch = []
    async with factory() as session, session.begin():
        for message in await repository.claim_due(session, now=now, limit=limit):
            if message.attempts >= max_attempts:
                # Every attempt was started and none recorded an outcome: the senders died or answered too late.
                message.status = DeliveryStatus.DEAD
                message.last_error = message.last_error or f"no outcome recorded after {message.attempts} attempts"
                logger.error(
                    "notification dead: %d attempts without an outcome",
                    message.attempts,
                    extra={"outbox_id": message.id},
                )
                continue
            message.attempts += 1
            message.next_attempt_at = lease_until
            body = json.dumps(message.payload, sort_keys=True).encode()
            batch.append(_Claimed(id=message.id, url=message.url, event=message.event, body=body))
    return batch


async def _post(
    http: httpx.AsyncClient, message: _Claimed, *, secret: str, now: datetime, send_seconds: float
) -> str | None:
    """Post one message; return None when the receiver took it, else what went wrong."""
    timestamp = str(int(now.timestamp()))
    try:
        async with asyncio.timeout(send_seconds):
            response = await http.post(
                message.url,
                content=message.body,
                headers={
                    "content-type": "application/json",
                    "X-Event": message.event,
                    "X-Signature-Timestamp": timestamp,
                    "X-Signature": sign(secret=secret, timestamp=timestamp, body=message.body),
                    "Idempotency-Key": message.id,
                },
            )
    except TimeoutError:
        return f"no answer within {send_seconds:g}s (half the lease)"
    except Exception as exc:  # any failure of one send is that message's failure, never the batch's
        return f"{type(exc).__name__}: {exc}"
    return f"HTTP {response.status_code}" if response.status_code >= 300 else None


async def _record(
    factory: async_sessionmaker[AsyncSession],
    *,
    outcomes: dict[str, str | None],
    now: datetime,
    lease_until: datetime,
    max_attempts: int,
) -> int:
    delivered = 0
    async with factory() as session, session.begin():
        for message in await repository.lock(session, message_ids=list(outcomes)):
            error = outcomes[message.id]
            if error is None:
                delivered += 1
                if message.status != DeliveryStatus.SENT:  # delivered: true whoever holds the message now
                    message.status, message.sent_at, message.last_error = DeliveryStatus.SENT, now, None
                continue
            if message.status != DeliveryStatus.PENDING or message.next_attempt_at != lease_until:
                # The lease passed and another process took the message over (or already sent it): its outcome counts.
                logger.info("notification failed after its lease passed", extra={"outbox_id": message.id})
                continue
            message.last_error = error
            if message.attempts >= max_attempts:
                message.status = DeliveryStatus.DEAD
                logger.error(
                    "notification dead after %d attempts",
                    message.attempts,
                    extra={"outbox_id": message.id, "error": error},
                )
            else:
                message.next_attempt_at = now + backoff(message.attempts)
                logger.warning("notification failed; will retry", extra={"outbox_id": message.id, "error": error})
    return delivered
