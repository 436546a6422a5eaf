"""Reads and writes of the release history."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.releases.models import PolicyRevision


async def record_seen(session: AsyncSession, *, revision: str, release_name: str | None, at: datetime) -> None:
    """One upsert: the revision's row, its period widened to include `at` (never narrowed by a late writer)."""
    values = {"revision": revision, "release_name": release_name, "first_decided_at": at, "last_decided_at": at}
    first, last = PolicyRevision.first_decided_at, PolicyRevision.last_decided_at
    if session.get_bind().dialect.name == "postgresql":
        pg = postgresql_insert(PolicyRevision).values(**values)
        widened = {
            "first_decided_at": func.least(first, pg.excluded.first_decided_at),
            "last_decided_at": func.greatest(last, pg.excluded.last_decided_at),
        }
        await session.execute(pg.on_conflict_do_update(index_elements=[PolicyRevision.revision], set_=widened))
        return
    lite = sqlite_insert(PolicyRevision).values(**values)
    # SQLite's min() and max() with two arguments are its LEAST and GREATEST.
    widened = {
        "first_decided_at": func.min(first, lite.excluded.first_decided_at),
        "last_decided_at": func.max(last, lite.excluded.last_decided_at),
    }
    await session.execute(lite.on_conflict_do_update(index_elements=[PolicyRevision.revision], set_=widened))


async def list_revisions(session: AsyncSession, *, limit: int) -> Sequence[PolicyRevision]:
    """The revisions decided with, the most recently used first."""
    stmt = (
        select(PolicyRevision)
        .order_by(PolicyRevision.last_decided_at.desc(), PolicyRevision.first_decided_at.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()
