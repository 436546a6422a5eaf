"""Sends queued notifications with an HMAC signature, retrying with backoff; a restart loses none."""

import json
import logging
from datetime import datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.notifications import repository
from app.notifications.models import DeliveryStatus
from app.signing import sign

logger = logging.getLogger(__name__)

# A claimed message is leased: if this process dies mid-send, another picks it up after the lease.
_LEASE = timedelta(seconds=60)
_MAX_BACKOFF = timedelta(minutes=30)


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 2, 4, 8 … seconds, capped at 30 minutes."""
    return min(timedelta(seconds=2**attempts), _MAX_BACKOFF)


async def send_due(
    *,
    factory: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    secret: str,
    now: datetime,
    max_attempts: int,
    limit: int = 20,
) -> int:
    """Send what is due; return how many were delivered."""
    async with factory() as session, session.begin():
        claimed = await repository.claim_due(session, now=now, limit=limit)
        batch = [(m.id, m.url, m.event, json.dumps(m.payload, sort_keys=True).encode()) for m in claimed]
        for message in claimed:
            message.next_attempt_at = now + _LEASE
    delivered = 0
    for message_id, url, event, body in batch:
        timestamp = str(int(now.timestamp()))
        error = None
        try:
            response = await http.post(
                url,
                content=body,
                headers={
                    "content-type": "application/json",
                    "X-Event": event,
                    "X-Signature-Timestamp": timestamp,
                    "X-Signature": sign(secret=secret, timestamp=timestamp, body=body),
                    "Idempotency-Key": message_id,
                },
            )
            if response.status_code >= 300:
                error = f"HTTP {response.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        async with factory() as session, session.begin():
            sent = await repository.get(session, message_id=message_id)
            assert sent is not None
            sent.attempts += 1
            if error is None:
                sent.status, sent.sent_at, sent.last_error = DeliveryStatus.SENT, now, None
                delivered += 1
            else:
                sent.last_error = error
                if sent.attempts >= max_attempts:
                    sent.status = DeliveryStatus.DEAD
                    logger.error(
                        "notification dead after %d attempts",
                        sent.attempts,
                        extra={"outbox_id": message_id, "error": error},
                    )
                else:
                    sent.next_attempt_at = now + backoff(sent.attempts)
                    logger.warning("notification failed; will retry", extra={"outbox_id": message_id, "error": error})
    return delivered
