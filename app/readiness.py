"""Readiness: the database takes a write and OPA serves the decision rule, each checked within a deadline."""

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
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


async def _bounded(name: str, check: "asyncio.Future[str] | asyncio.Task[str]", *, seconds: float) -> str:
    try:
        async with asyncio.timeout(seconds):
            return await check
    except TimeoutError:
        logger.error("readiness check timed out", extra={"check": name, "seconds": seconds})
        return "timeout"
    except (SQLAlchemyError, OSError) as exc:
        logger.error("readiness check failed", extra={"check": name, "error": str(exc).splitlines()[0]})
        return "unavailable"


async def check(
    *, factory: async_sessionmaker[AsyncSession], policy: PolicyClient, now: datetime, seconds: float
) -> Readiness:
    """Both checks at once, each cut off after `seconds`, so the answer comes within that time under any fault."""

    async def _opa() -> str:
        return "ok" if (await policy.status()).healthy else "unavailable"

    database, opa = await asyncio.gather(
        _bounded("database", asyncio.ensure_future(_database_writes(factory, now=now)), seconds=seconds),
        _bounded("opa", asyncio.ensure_future(_opa()), seconds=seconds),
    )
    return Readiness(database=database, opa=opa)
