"""The audit record inside the service: verify and checkpoint on demand, and checkpoint on an interval.

Each runs on a sync connection in a worker thread, so a long verification never blocks the event loop.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from app.audit import checkpoints, proofs, service
from app.audit.checkpoints import Checkpoint
from app.audit.schemas import ChainBreakRead, ChainReportRead, CheckpointRead, VerificationRead
from app.audit.setup import signing_key, sync_engine, verification_key
from app.config import Settings

logger = logging.getLogger(__name__)


@contextmanager
def audit_connection(settings: Settings) -> Iterator[tuple[Connection, list[Checkpoint]]]:
    """A sync connection of its own (the caller runs in a worker thread) and the signed checkpoints so far."""
    signed = checkpoints.load_all(settings.audit_checkpoint_dir, verification_key(settings))
    engine = sync_engine(settings.database_url)
    try:
        with engine.connect() as connection:
            yield connection, signed
    finally:
        engine.dispose()


def _verify(settings: Settings) -> VerificationRead:
    with audit_connection(settings) as (connection, signed):
        results = service.verify(connection=connection, signed=signed)
    chains = [
        ChainReportRead(
            chain=r.chain,
            rows=r.rows,
            head_seq=r.head_seq,
            checkpointed_seq=r.checkpointed_seq,
            redacted=r.redacted,
            first_break=None if r.first_break is None else ChainBreakRead(**vars(r.first_break)),
        )
        for r in results
    ]
    return VerificationRead(intact=all(c.first_break is None for c in chains), checkpoints=len(signed), chains=chains)


def sign_checkpoint(settings: Settings, now: datetime) -> CheckpointRead:
    """Sign the current chain heads (blocking: the CLI, or a worker thread)."""
    with audit_connection(settings) as (connection, signed):
        path = service.take_checkpoint(
            connection=connection,
            signed=signed,
            key=signing_key(settings),
            directory=settings.audit_checkpoint_dir,
            now=now,
        )
    document = json.loads(path.read_text(encoding="utf-8"))
    return CheckpointRead(location=str(path), chains=document["checkpoint"]["chains"])


def build_proof(settings: Settings, decision_id: str) -> dict[str, Any]:
    """The inclusion proof of one decision (blocking: the CLI, or a worker thread)."""
    with audit_connection(settings) as (connection, signed):
        return proofs.build(connection=connection, decision_id=decision_id, signed=signed)


async def verify(*, settings: Settings) -> VerificationRead:
    """Recompute every chain against the signed checkpoints."""
    return await asyncio.to_thread(_verify, settings)


async def checkpoint(*, settings: Settings, now: datetime) -> CheckpointRead:
    """Sign the current chain heads now."""
    return await asyncio.to_thread(sign_checkpoint, settings, now)


async def prove(*, settings: Settings, decision_id: str) -> dict[str, Any]:
    """The inclusion proof of one decision."""
    return await asyncio.to_thread(build_proof, settings, decision_id)


def interval_job(*, settings: Settings, now: Callable[[], datetime]) -> Callable[[], Awaitable[object]]:
    """The periodic checkpoint: the first one an interval after start, then one every interval."""
    started = False

    async def run() -> None:
        nonlocal started
        if not started:
            started = True
            return
        signed = await checkpoint(settings=settings, now=now())
        logger.info("audit checkpoint signed", extra={"location": signed.location})

    return run
