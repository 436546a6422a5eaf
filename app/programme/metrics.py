"""The programme metrics: SQL aggregates over the cases' facts, rolled up by dimension in Python.

The database does one grouped pass over the filtered facts (a row per reason class, offer
type, segment and revision: a few hundred at most, whatever the number of cases), one
ordered pass per duration for its percentiles, and one index read for the regretted saves.
Python only adds up those groups.
"""

import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.principal import Principal
from app.directory import service as directory
from app.errors import BadRequest, Forbidden
from app.outcomes.judgement import RegretReason
from app.programme import repository
from app.programme.repository import FactsFilter
from app.programme.rules import DISCOUNT, SERVICE_CREDIT
from app.programme.schemas import (
    Breakdown,
    Credits,
    Discounts,
    Percentiles,
    ProgrammeFilter,
    ProgrammeRead,
    Rate,
    ReasonShare,
    RegrettedSave,
    RegrettedSaves,
    ServiceCauseDiscounts,
)
from app.vocabulary import ReasonClass, Role

# The cause a discount must never buy a save for (domain brief: "discount where the cause was service").
SERVICE_REASON: Final = ReasonClass("service").value
REGRETTED_LISTED: Final = 100
_DIMENSIONS: Final = ("reason_class", "offer_type", "segment", "policy_revision")
_SUMMED: Final = (
    "requests",
    "routed",
    "authorized",
    "presented",
    "accepted",
    "saves",
    "confirmed",
    "regretted",
    "discounts",
    "discount_pct_sum",
    "discount_cost",
    "credits",
    "credit_amount",
    "retained_arr",
    "retained_margin",
    "service_discounts",
    "owner_responses",
    "authorizations",
)


def _rate(numerator: int, denominator: int) -> Rate:
    return Rate(
        numerator=numerator, denominator=denominator, rate=round(numerator / denominator, 4) if denominator else None
    )


def _totals(groups: Iterable[Any]) -> dict[str, float]:
    totals: dict[str, float] = dict.fromkeys(_SUMMED, 0)
    for group in groups:
        for name in _SUMMED:
            totals[name] += getattr(group, name)
    return totals


def _breakdown(groups: list[Any], dimension: str) -> list[Breakdown]:
    by_key: dict[str, list[Any]] = defaultdict(list)
    for group in groups:
        by_key[getattr(group, dimension)].append(group)
    rows = []
    for key, members in sorted(by_key.items()):
        t = _totals(members)
        routed = int(t["routed"])
        rows.append(
            Breakdown(
                key=key,
                save_requests=int(t["requests"]),
                routed=routed,
                authorized=int(t["authorized"]),
                saves=int(t["saves"]),
                confirmed_saves=int(t["confirmed"]),
                save_rate=_rate(int(t["saves"]), routed).rate,
                confirmed_save_rate=_rate(int(t["confirmed"]), routed).rate,
            )
        )
    return rows


def _nearest_rank(p: float, n: int) -> int:
    return max(1, math.ceil(p * n))


async def _percentiles(session: AsyncSession, *, flt: FactsFilter, column: str, count: int) -> Percentiles:
    if count == 0:
        return Percentiles(count=0, p50_hours=None, p90_hours=None)
    p50, p90 = _nearest_rank(0.5, count), _nearest_rank(0.9, count)
    values = await repository.ranked_values(session, flt=flt, column=column, ranks=[p50, p90])
    return Percentiles(count=count, p50_hours=round(values[p50] / 3600, 2), p90_hours=round(values[p90] / 3600, 2))


def facts_filter(flt: ProgrammeFilter) -> FactsFilter:
    """The period as instants: from the first day's midnight (UTC) up to the midnight after the last day."""
    if flt.from_date and flt.to_date and flt.from_date > flt.to_date:
        raise BadRequest("from is after to: the period would be empty.", code="bad_query")
    return FactsFilter(
        since=datetime.combine(flt.from_date, time(), UTC) if flt.from_date else None,
        before=datetime.combine(flt.to_date + timedelta(days=1), time(), UTC) if flt.to_date else None,
        segment=flt.segment,
        reason_class=flt.reason_class,
        offer_type=flt.offer_type,
        policy_revision=flt.policy_revision,
    )


async def programme(*, session: AsyncSession, flt: ProgrammeFilter) -> ProgrammeRead:
    """Every programme figure for the cases the filter selects."""
    where = facts_filter(flt)
    groups = await repository.funnel_groups(
        session, flt=where, discount=DISCOUNT, credit=SERVICE_CREDIT, service=SERVICE_REASON
    )
    t = _totals(groups)
    requests, routed = int(t["requests"]), int(t["routed"])
    reasons: dict[str, int] = defaultdict(int)
    for group in groups:
        reasons[group.reason_class] += group.requests
    regretted = await repository.regretted(session, flt=where, limit=REGRETTED_LISTED)
    discounts = int(t["discounts"])
    return ProgrammeRead(
        filters=flt,
        save_requests=requests,
        reason_mix=[
            ReasonShare(reason_class=reason, count=count, share=round(count / requests, 4))
            for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))
        ],
        owner_response_time=await _percentiles(
            session, flt=where, column="owner_response_seconds", count=int(t["owner_responses"])
        ),
        time_to_authorization=await _percentiles(
            session, flt=where, column="authorization_seconds", count=int(t["authorizations"])
        ),
        offer_approval_rate=_rate(int(t["authorized"]), routed),
        offer_acceptance_rate=_rate(int(t["accepted"]), int(t["presented"])),
        save_rate=_rate(int(t["saves"]), routed),
        confirmed_save_rate=_rate(int(t["confirmed"]), routed),
        by_reason_class=_breakdown(groups, "reason_class"),
        by_offer_type=_breakdown(groups, "offer_type"),
        by_segment=_breakdown(groups, "segment"),
        by_policy_revision=_breakdown(groups, "policy_revision"),
        discounts=Discounts(
            count=discounts,
            average_pct=round(t["discount_pct_sum"] / discounts, 2) if discounts else None,
            total_cost=round(t["discount_cost"], 2),
        ),
        credits=Credits(count=int(t["credits"]), total_amount=round(t["credit_amount"], 2)),
        retained_arr=round(t["retained_arr"], 2),
        retained_margin=round(t["retained_margin"], 2),
        regretted_saves=RegrettedSaves(
            count=int(t["regretted"]),
            cases=[
                RegrettedSave(
                    case_id=f.case_id,
                    account_id=f.account_id,
                    reason_class=f.reason_class,
                    offer_type=f.offer_type,
                    segment=f.segment,
                    policy_revision=f.policy_revision,
                    reasons=[RegretReason(r) for r in (f.regret_reasons or "").split(",") if r],
                    accepted_at=f.accepted_at,
                    lost_at=f.lost_at,
                    margin_after_pct=f.margin_after_pct,
                )
                for f in regretted
            ],
        ),
        discount_where_cause_was_service=ServiceCauseDiscounts(
            count=int(t["service_discounts"]), finding=t["service_discounts"] > 0
        ),
    )


# Who reads the programme: revenue and CS leadership, finance and revops (and directory administrators).
# In the order the demo prefers when it names a reader.
READER_ROLES: Final = tuple(Role(role).value for role in ("executive", "cs_leadership", "finance", "revops"))


async def check_reader(*, session: AsyncSession, principal: Principal) -> None:
    """403 unless the caller is an administrator or an active person holding a reader role."""
    if principal.is_admin:
        return
    person = await directory.find_person(session=session, person_id=principal.person_id)
    if person is None or not person.active or not set(READER_ROLES) & set(person.roles):
        raise Forbidden(
            f"The programme metrics are for directory administrators and people with a role in {sorted(READER_ROLES)}."
        )
