"""The release history: every policy revision the service decides with, written as decisions are recorded.

The write must stay cheap on the decide path: each process upserts a revision's row the
first time it decides with it, then at most once a minute of decision time, never on
every decision (on PostgreSQL every decide transaction would otherwise queue on the row).
"""

import weakref
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, event
from sqlalchemy.ext.asyncio import AsyncSession

from app.policy.release import release_name
from app.releases import repository
from app.releases.models import PolicyRevision

WRITE_EVERY = timedelta(minutes=1)

# Per database (engine) and revision, the period this process has committed to the row.
_written: "weakref.WeakKeyDictionary[Engine, dict[str, tuple[datetime, datetime]]]" = weakref.WeakKeyDictionary()


def _written_for(session: AsyncSession) -> dict[str, tuple[datetime, datetime]]:
    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    return _written.setdefault(engine, {})


async def record_use(session: AsyncSession, *, revision: str, at: datetime) -> None:
    """Note a decision made with this revision at `at`, in the session's transaction (skipped when known)."""
    written = _written_for(session)
    known = written.get(revision)
    if known is not None and known[0] <= at < known[1] + WRITE_EVERY:
        return
    await repository.record_seen(session, revision=revision, release_name=release_name(revision), at=at)

    def remember(_: object) -> None:
        # Only once committed: a rolled-back decision must not keep the next one from writing.
        first, last = written.get(revision, (at, at))
        written[revision] = (min(first, at), max(last, at))

    event.listen(session.sync_session, "after_commit", remember, once=True)


async def history(session: AsyncSession, *, limit: int) -> Sequence[PolicyRevision]:
    """The revisions decided with, the most recently used first."""
    return await repository.list_revisions(session, limit=limit)
