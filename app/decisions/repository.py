"""Every query of the decision log."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.decisions.models import Decision

_Select = TypeVar("_Select", bound=Select[Any])


@dataclass(frozen=True, kw_only=True)
class DecisionFilter:
    account_id: str | None = None
    outcome: str | None = None
    policy_revision: str | None = None
    decided_from: datetime | None = None
    decided_to: datetime | None = None


async def get(session: AsyncSession, *, decision_id: str) -> Decision | None:
    """Return the decision with this id, if any."""
    return await session.get(Decision, decision_id)


async def get_by_event(session: AsyncSession, *, source: str, event_id: str) -> Decision | None:
    """Return the decision recorded for this webhook event, if any."""
    stmt = select(Decision).where(Decision.source == source, Decision.event_id == event_id)
    return (await session.execute(stmt)).scalar_one_or_none()


def _filtered(stmt: _Select, flt: DecisionFilter) -> _Select:
    if flt.account_id is not None:
        stmt = stmt.where(Decision.account_id == flt.account_id)
    if flt.outcome is not None:
        stmt = stmt.where(Decision.outcome == flt.outcome)
    if flt.policy_revision is not None:
        stmt = stmt.where(Decision.policy_revision == flt.policy_revision)
    if flt.decided_from is not None:
        stmt = stmt.where(Decision.decision_time >= flt.decided_from)
    if flt.decided_to is not None:
        stmt = stmt.where(Decision.decision_time < flt.decided_to)
    return stmt


@dataclass(frozen=True, kw_only=True)
class Position:
    """Where a page ends in the log's order (newest first, then id): the next page starts after it."""

    decision_time: datetime
    id: str


_NEWEST_FIRST = (Decision.decision_time.desc(), Decision.id)


async def list_page(
    session: AsyncSession, *, flt: DecisionFilter, limit: int, offset: int, after: Position | None
) -> Sequence[Decision]:
    """One page of decisions, newest first: after a position (keyset, an index range scan) or at an offset."""
    stmt = _filtered(select(Decision), flt)
    if after is not None:
        stmt = stmt.where(
            or_(
                Decision.decision_time < after.decision_time,
                and_(Decision.decision_time == after.decision_time, Decision.id > after.id),
            )
        )
    stmt = stmt.order_by(*_NEWEST_FIRST).limit(limit).offset(offset)
    return (await session.execute(stmt)).scalars().all()


async def count(session: AsyncSession, *, flt: DecisionFilter) -> int:
    """How many decisions match the filter (a scan: only offset paging asks for it)."""
    total: int = (await session.execute(_filtered(select(func.count()).select_from(Decision), flt))).scalar_one()
    return total


async def of_case(session: AsyncSession, *, case_id: str) -> Sequence[Decision]:
    """Every decision of a save case, oldest first."""
    stmt = select(Decision).where(Decision.case_id == case_id).order_by(Decision.decision_time, Decision.recorded_at)
    return (await session.execute(stmt)).scalars().all()


def add(session: AsyncSession, *, decision: Decision) -> None:
    """Stage a new decision row in the session's transaction."""
    session.add(decision)


async def ping(session: AsyncSession) -> None:
    """Run a trivial query, raising when the database cannot answer."""
    await session.execute(select(1))
