"""The case timeline: one event per state change, written in the transaction of the change."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals.models import ApprovalTask
from app.cases import repository
from app.cases.models import CaseEvent, SaveCase


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who made a change: the person, whom they stood in for, and the token they presented."""

    person_id: str | None = None
    on_behalf_of: str | None = None
    token_id: str | None = None


SYSTEM = Actor()


def record(
    session: AsyncSession,
    *,
    case: SaveCase,
    event: str,
    now: datetime,
    actor: Actor = SYSTEM,
    task: ApprovalTask | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str | None = None,
) -> CaseEvent:
    """Append one event to the case's timeline."""
    row = CaseEvent(
        case_id=case.id,
        task_id=task.id if task else None,
        event=event,
        actor_id=actor.person_id,
        on_behalf_of=actor.on_behalf_of,
        token_id=actor.token_id,
        at=now,
        before=before,
        after=after,
        note=note,
    )
    repository.add(session, row)
    return row
