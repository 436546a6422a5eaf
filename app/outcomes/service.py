"""Recording what an authorized offer led to: one reported fact at a time, judged afresh from them all.

Each fact is stored once per (source, event_id) and appended to the case timeline;
the case's status and its programme facts are then judged from every fact the case
has, in the order they happened (app.outcomes.judgement), so reports that arrive
late, twice or out of order leave the case as if they had come in order.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals.states import AFTER_AUTHORIZATION, CaseStatus, case_state, move_case
from app.auth.principal import Principal
from app.cases import repository as cases_repository
from app.cases import timeline
from app.cases.models import SaveCase
from app.cases.timeline import Actor
from app.database import retry_on_deadlock
from app.decisions import repository as decisions_repository
from app.errors import Conflict, Forbidden, IdempotencyConflict, InvalidField, NotFound
from app.outcomes import repository
from app.outcomes.judgement import OFFER_FACTS, Fact, Outcome, OutcomeKind, judge
from app.outcomes.models import OutcomeEvent
from app.outcomes.schemas import OutcomeEventCreate
from app.programme import facts
from app.programme.rules import RULES

# How far ahead of the service's clock a reporter's clock may run.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, kw_only=True)
class Recorded:
    event: OutcomeEvent
    case_status: CaseStatus
    replay: bool


def case_status(outcome: Outcome) -> CaseStatus:
    """The case's status from what its offer led to: lost is final; a save with a stay after it is saved."""
    if outcome.lost_at is not None:
        return CaseStatus.LOST
    if outcome.accepted_at is not None:
        return CaseStatus.SAVED if outcome.stayed_at is not None else CaseStatus.ACCEPTED
    if outcome.offer_declined_at is not None:
        return CaseStatus.OFFER_DECLINED
    if outcome.presented_at is not None:
        return CaseStatus.OFFERED
    return CaseStatus.AUTHORIZED


def _fingerprint(*, case_id: str, event_in: OutcomeEventCreate) -> str:
    canonical = json.dumps({"case_id": case_id, **event_in.model_dump(mode="json")}, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def _replay(session: AsyncSession, *, existing: OutcomeEvent, fingerprint: str) -> Recorded:
    if existing.payload_sha256 != fingerprint:
        raise IdempotencyConflict(
            f"Event {existing.event_id!r} from {existing.source!r} was already recorded with a different body "
            "(or for another case); send a new event_id for a new fact."
        )
    case = await cases_repository.get_case(session, case_id=existing.case_id)
    assert case is not None
    return Recorded(event=existing, case_status=CaseStatus(case.status), replay=True)


def _check_time(*, case: SaveCase, event_in: OutcomeEventCreate, now: datetime) -> None:
    if event_in.occurred_at > now + CLOCK_SKEW:
        raise InvalidField("occurred_at is in the future; report a fact once it has happened.", loc=("occurred_at",))
    if event_in.kind in OFFER_FACTS and case.authorized_at is not None and event_in.occurred_at < case.authorized_at:
        raise InvalidField(
            f"An offer cannot be {event_in.kind.removeprefix('offer_')} before it was authorized "
            f"({case.authorized_at.isoformat()}).",
            loc=("occurred_at",),
        )


async def _apply(
    session: AsyncSession, *, case_id: str, event_in: OutcomeEventCreate, principal: Principal, now: datetime
) -> Recorded:
    fingerprint = _fingerprint(case_id=case_id, event_in=event_in)
    existing = await repository.get_by_event(session, source=event_in.source, event_id=event_in.event_id)
    if existing is not None:
        return await _replay(session, existing=existing, fingerprint=fingerprint)
    case = await cases_repository.lock_case(session, case_id=case_id)
    if case is None:
        raise NotFound(f"No save case with id {case_id!r}.")
    if case.status not in AFTER_AUTHORIZATION:
        raise Conflict(
            f"The case is {case.status}: its offer was never authorized, so there is no outcome to report.",
            code="offer_not_authorized",
            current=case_state(case),
        )
    _check_time(case=case, event_in=event_in, now=now)
    row = OutcomeEvent(
        id=str(uuid.uuid4()),
        source=event_in.source,
        event_id=event_in.event_id,
        case_id=case.id,
        kind=event_in.kind,
        occurred_at=event_in.occurred_at,
        received_at=now,
        amount=event_in.amount,
        note=event_in.note,
        payload_sha256=fingerprint,
    )
    try:
        # A savepoint: losing the race to a concurrent duplicate leaves the transaction usable.
        async with session.begin_nested():
            repository.add(session, row)
            await session.flush()
    except IntegrityError:
        winner = await repository.get_by_event(session, source=event_in.source, event_id=event_in.event_id)
        if winner is None:
            raise
        return await _replay(session, existing=winner, fingerprint=fingerprint)
    reported = await repository.events_of_case(session, case_id=case.id)
    outcome = judge(
        [Fact(kind=OutcomeKind(e.kind), occurred_at=e.occurred_at) for e in reported],
        confirmation_window=RULES.confirmation_window,
    )
    before = case_state(case)
    status = case_status(outcome)
    if status != case.status:
        move_case(case, status)
        case.updated_at = now
    timeline.record(
        session,
        case=case,
        event=event_in.kind,
        now=now,
        actor=Actor(token_id=principal.token_id),
        before=before,
        after={
            **case_state(case),
            "source": event_in.source,
            "event_id": event_in.event_id,
            "occurred_at": event_in.occurred_at.isoformat(),
        },
        note=event_in.note,
    )
    decision = await decisions_repository.get(session, decision_id=case.current_decision_id)
    assert decision is not None
    await facts.record_outcome(session, case=case, decision=decision, outcome=outcome)
    await session.flush()
    return Recorded(event=row, case_status=CaseStatus(case.status), replay=False)


async def record_outcome(
    *, session: AsyncSession, case_id: str, event_in: OutcomeEventCreate, principal: Principal, now: datetime
) -> Recorded:
    """Record one reported fact about a case's authorized offer; a resent event returns the stored one."""
    if principal.source != event_in.source:
        raise Forbidden(
            f"This credential reports for {principal.source!r}; it cannot report events of {event_in.source!r}."
        )

    async def _attempt(session: AsyncSession) -> Recorded:
        return await _apply(session, case_id=case_id, event_in=event_in, principal=principal, now=now)

    return await retry_on_deadlock(session, _attempt)
