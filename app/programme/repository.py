"""Every query of the programme's facts: one case's row, one account's rows, and the metrics' aggregates."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.programme.models import CaseFacts

_Stmt = TypeVar("_Stmt", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, kw_only=True)
class FactsFilter:
    """Cases requested in [since, before) and matching each given value."""

    since: datetime | None = None
    before: datetime | None = None
    segment: str | None = None
    reason_class: str | None = None
    offer_type: str | None = None
    policy_revision: str | None = None


async def get(session: AsyncSession, *, case_id: str) -> CaseFacts | None:
    return await session.get(CaseFacts, case_id)


async def authorized_of_account(session: AsyncSession, *, account_id: str) -> Sequence[CaseFacts]:
    """The account's authorized cases, oldest first (index ix_programme_facts_account_authorized)."""
    stmt = (
        select(CaseFacts)
        .where(CaseFacts.account_id == account_id, CaseFacts.authorized_at.is_not(None))
        .order_by(CaseFacts.authorized_at, CaseFacts.case_id)
    )
    return (await session.execute(stmt)).scalars().all()


def add(session: AsyncSession, facts: CaseFacts) -> None:
    session.add(facts)


def _filtered(stmt: _Stmt, flt: FactsFilter) -> _Stmt:
    conditions: list[ColumnElement[bool]] = []
    if flt.since is not None:
        conditions.append(CaseFacts.requested_at >= flt.since)
    if flt.before is not None:
        conditions.append(CaseFacts.requested_at < flt.before)
    for column, value in (
        (CaseFacts.segment, flt.segment),
        (CaseFacts.reason_class, flt.reason_class),
        (CaseFacts.offer_type, flt.offer_type),
        (CaseFacts.policy_revision, flt.policy_revision),
    ):
        if value is not None:
            conditions.append(column == value)
    return stmt.where(*conditions)


# Aggregate FILTER (SQLite 3.30+, PostgreSQL): a fifth to a third faster than SUM(CASE …) on SQLite.
def _count_if(condition: Any) -> ColumnElement[int]:
    return func.count().filter(condition)


def _sum_if(condition: Any, value: Any) -> ColumnElement[float]:
    return func.coalesce(func.sum(value).filter(condition), 0.0)


async def funnel_groups(
    session: AsyncSession, *, flt: FactsFilter, discount: str, credit: str, service: str
) -> list[Any]:
    """One row of sums per (reason class, offer type, segment, revision): a single pass over the filtered facts."""
    f = CaseFacts
    accepted = f.accepted_at.is_not(None)
    stmt = select(
        f.reason_class,
        f.offer_type,
        f.segment,
        f.policy_revision,
        func.count().label("requests"),
        _count_if(f.routed_at.is_not(None)).label("routed"),
        _count_if(f.authorized_at.is_not(None)).label("authorized"),
        _count_if(f.presented_at.is_not(None)).label("presented"),
        _count_if(accepted).label("accepted"),
        _count_if(f.saved).label("saves"),
        _count_if(f.confirmed).label("confirmed"),
        _count_if(f.regretted).label("regretted"),
        _count_if(and_(accepted, f.offer_type == discount)).label("discounts"),
        _sum_if(and_(accepted, f.offer_type == discount), f.discount_pct).label("discount_pct_sum"),
        _sum_if(and_(accepted, f.offer_type == discount), func.coalesce(f.offer_cost, 0.0)).label("discount_cost"),
        _count_if(and_(accepted, f.offer_type == credit)).label("credits"),
        _sum_if(and_(accepted, f.offer_type == credit), f.credit_amount).label("credit_amount"),
        _sum_if(f.confirmed, func.coalesce(f.arr, 0.0)).label("retained_arr"),
        _sum_if(
            f.confirmed,
            func.coalesce(f.arr, 0.0) * func.coalesce(f.margin_after_pct, 0.0) / 100 - func.coalesce(f.offer_cost, 0.0),
        ).label("retained_margin"),
        _count_if(and_(f.saved, f.offer_type == discount, f.reason_class == service)).label("service_discounts"),
        func.count(f.owner_response_seconds).label("owner_responses"),
        func.count(f.authorization_seconds).label("authorizations"),
    ).group_by(f.reason_class, f.offer_type, f.segment, f.policy_revision)
    return list(await session.execute(_filtered(stmt, flt)))


async def ranked_values(
    session: AsyncSession, *, flt: FactsFilter, column: str, ranks: Sequence[int]
) -> dict[int, float]:
    """The values at these 1-based ranks of a duration column, smallest first (nulls left out): one sort."""
    if not ranks:
        return {}
    value = getattr(CaseFacts, column)
    ordered = _filtered(
        select(value.label("v"), func.row_number().over(order_by=value).label("rn")).where(value.is_not(None)), flt
    ).subquery()
    stmt = select(ordered.c.rn, ordered.c.v).where(ordered.c.rn.in_(sorted(set(ranks))))
    return {int(rn): float(v) for rn, v in await session.execute(stmt)}


async def regretted(session: AsyncSession, *, flt: FactsFilter, limit: int) -> Sequence[CaseFacts]:
    """The regretted saves, newest request first (index ix_programme_facts_regretted)."""
    stmt = _filtered(select(CaseFacts).where(CaseFacts.regretted.is_(True)), flt)
    ordered = stmt.order_by(CaseFacts.requested_at.desc(), CaseFacts.case_id).limit(limit)
    return (await session.execute(ordered)).scalars().all()
