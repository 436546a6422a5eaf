"""Readiness: the database takes a write and OPA serves the decision rule, each checked within a deadline."""

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.policy.client import PolicyClient

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class Readiness:
    database: str
    opa: str

    @property
    def ready(self) -> bool:
        return self.database == "ok" and self.opa == "ok"


async def _database_writes(factory: async_sessionmaker[AsyncSession], *, now: datetime) -> str:
    # A read succeeds on a full disk or a read-only file; only a write shows the decision log can record.
    async with factory() as session:
        try:
            await session.execute(text("INSERT INTO readiness_probes (at) VALUES (:at)"), {"at": now})
            await session.flush()
        finally:
            await session.rollback()
    return "ok"


def _retrieve(task: "asyncio.Task[str]") -> None:
    # A check abandoned at its deadline ends on its own; its outcome is read so asyncio does not report it.
    if not task.cancelled():
        task.exception()


async def _bounded(name: str, check: Coroutine[Any, Any, str], *, seconds: float) -> str:
    """The check's answer, or "timeout" after `seconds` without waiting for it to wind down.

    Cancelling is not enough to answer in time: a cancelled SQLite probe still waits out its busy
    timeout (5 s) on the driver's thread before its rollback runs, so it is left to finish alone.
    """
    task = asyncio.ensure_future(check)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        task.add_done_callback(_retrieve)
        raise
    if not done:
        task.cancel()
        task.add_done_callback(_retrieve)
        logger.error("readiness check timed out", extra={"check": name, "seconds": seconds})
        return "timeout"
    try:
        return task.result()
    except Exception as exc:  # any failure of a check is an answer: not ready, never a 500
        error = (str(exc) or type(exc).__name__).splitlines()[0]
        logger.error("readiness check failed", extra={"check": name, "error": error})
        return "unavailable"


async def check(
    *, factory: async_sessionmaker[AsyncSession], policy: PolicyClient, now: datetime, seconds: float
) -> Readiness:
    """Both checks at once, each cut off after `seconds`, so the answer comes within that time under any fault."""

    async def _opa() -> str:
        return "ok" if (await policy.status()).healthy else "unavailable"

    database, opa = await asyncio.gather(
        _bounded("database", _database_writes(factory, now=now), seconds=seconds),
        _bounded("opa", _opa(), seconds=seconds),
    )
    return Readiness(database=database, opa=opa)
