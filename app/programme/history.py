"""An account's concession history, from the service's own records, for the policy input."""

import calendar
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.policy.schemas import ConcessionsInWindow, DiscountRunning, HistoryFacts
from app.programme import repository
from app.programme.facts import given
from app.programme.rules import DISCOUNT, RULES


def add_months(start: date, months: int) -> date:
    """The same day months later, or the month's last day when it has no such day (31 January + 1 = 28/29 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


async def account_history(*, session: AsyncSession, account_id: str, now: datetime) -> HistoryFacts:
    """Concessions given in the history window (history.window_days), a discount still running, regretted saves.

    A concession counts from its authorization unless the customer declined it; a discount runs from its
    acceptance (its authorization until accepted) for its duration, unless the customer cancelled.
    """
    rows = await repository.authorized_of_account(session, account_id=account_id)
    window_start = now - RULES.history_window
    recent = [f for f in rows if given(f) and f.authorized_at is not None and window_start <= f.authorized_at <= now]
    running_until = [
        end
        for f in rows
        if given(f) and f.offer_type == DISCOUNT and f.lost_at is None and f.authorized_at is not None
        if (end := add_months((f.accepted_at or f.authorized_at).date(), f.duration_months)) > now.date()
    ]
    return HistoryFacts(
        concessions=ConcessionsInWindow(
            count=len(recent),
            total_cost=round(sum(f.offer_cost or 0.0 for f in recent), 2),
            last_authorized_at=max((f.authorized_at for f in recent if f.authorized_at), default=None),
        ),
        discount=DiscountRunning(running=bool(running_until), ends_on=max(running_until, default=None)),
        regretted_saves=sum(1 for f in rows if f.regretted),
    )
