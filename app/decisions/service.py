"""The decision log: one durable decision per webhook event, replays answered from it, reads."""

import base64
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.schemas import SaveCaseCreate
from app.decisions import repository
from app.decisions.models import Decision
from app.decisions.repository import DecisionFilter, Position
from app.errors import BadRequest, IdempotencyConflict, NotFound
from app.observability import decision_id_var
from app.policy.schemas import PolicyInput, PolicyResult
from app.releases import service as revision_history

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DecideResult:
    decision: Decision
    replay: bool


def payload_fingerprint(case: SaveCaseCreate) -> str:
    """A digest of the case's content, so a resent webhook matches whatever its whitespace or key order."""
    canonical = json.dumps(case.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def replay_of(existing: Decision, *, case: SaveCaseCreate) -> DecideResult:
    """The stored decision answering a resent event; 409 if the event now carries a different body."""
    return _replay_of(existing, fingerprint=payload_fingerprint(case))


def _replay_of(existing: Decision, *, fingerprint: str) -> DecideResult:
    if existing.payload_sha256 != fingerprint:
        raise IdempotencyConflict(
            f"Event {existing.event_id!r} from {existing.source!r} was already decided with a different body; "
            "send a new event_id for a changed case."
        )
    decision_id_var.set(existing.id)
    logger.info("webhook replayed; returning the stored decision")
    return DecideResult(decision=existing, replay=True)


async def find_replay(*, session: AsyncSession, case: SaveCaseCreate) -> DecideResult | None:
    """The stored decision of this (source, event_id), if it was decided before; 409 if the body changed."""
    existing = await repository.get_by_event(session, source=case.source, event_id=case.event_id)
    return None if existing is None else replay_of(existing, case=case)


async def record(
    *,
    session: AsyncSession,
    decision_id: str,
    case: SaveCaseCreate,
    raw_body: bytes,
    policy_input: PolicyInput,
    result: PolicyResult,
    decision_time: datetime,
    latency_ms: float,
    case_id: str | None,
    then: Callable[[Decision], Awaitable[object]],
) -> DecideResult:
    """Append the decision and what follows from it (`then`: its case, tasks, history) in one flush.

    If a concurrent duplicate of the event won, nothing of this one is written and its decision answers instead.
    """
    fingerprint = payload_fingerprint(case)
    decision_id_var.set(decision_id)
    row = Decision(
        id=decision_id,
        source=case.source,
        event_id=case.event_id,
        account_id=case.account.id,
        outcome=result.decision.outcome.value,
        payload_raw=raw_body.decode("utf-8"),
        payload_sha256=fingerprint,
        policy_input=policy_input.model_dump(mode="json"),
        decision=result.decision.model_dump(mode="json"),
        policy_revision=result.revision,
        opa_decision_id=result.opa_decision_id,
        decision_time=decision_time,
        recorded_at=datetime.now(UTC),
        latency_ms=latency_ms,
        case_id=case_id or decision_id,
    )
    try:
        # A savepoint, so that losing a race to a concurrent duplicate leaves the
        # transaction usable for reading the winner.
        async with session.begin_nested():
            # Nothing is flushed before all of it is ready: one flush writes the decision and what
            # follows from it in dependency order, and hashes their audit rows in one pass.
            with session.no_autoflush:
                repository.add(session, decision=row)
                await then(row)
            await session.flush()
    except IntegrityError:
        winner = await repository.get_by_event(session, source=case.source, event_id=case.event_id)
        if winner is None:
            raise
        return _replay_of(winner, fingerprint=fingerprint)
    await revision_history.record_use(session, revision=row.policy_revision, at=decision_time)
    extra = {"outcome": row.outcome, "policy_revision": row.policy_revision, "opa_decision_id": row.opa_decision_id}
    # Recorded means committed: the request may still fail (and roll back) after this point.
    event.listen(
        session.sync_session, "after_commit", lambda _: logger.info("decision recorded", extra=extra), once=True
    )
    return DecideResult(decision=row, replay=False)


async def get(*, session: AsyncSession, decision_id: str) -> Decision:
    """Return a recorded decision or raise NotFound."""
    row = await repository.get(session, decision_id=decision_id)
    if row is None:
        raise NotFound(f"No decision with id {decision_id!r}.")
    decision_id_var.set(row.id)
    return row


@dataclass(frozen=True, kw_only=True)
class DecisionPage:
    rows: list[Decision]
    # Counted only when asked: a count is a scan, and a page must stay an index range scan.
    total: int | None
    next_cursor: str | None


def _encode(position: Position) -> str:
    raw = json.dumps([position.decision_time.isoformat(), position.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, decision_id = json.loads(raw)
        position = Position(decision_time=datetime.fromisoformat(at), id=str(decision_id))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise BadRequest("cursor is not one this service gave; start again without it.", code="bad_query") from None
    if position.decision_time.tzinfo is None:
        raise BadRequest("cursor is not one this service gave; start again without it.", code="bad_query")
    return position


async def list_decisions(
    *, session: AsyncSession, flt: DecisionFilter, limit: int, offset: int, cursor: str | None, count: bool
) -> DecisionPage:
    """A page of decisions matching the filter, newest first, and the cursor of the next page.

    With a cursor the page starts after the previous page's last row (keyset paging, the
    same cost at any depth); without one it starts at the offset. The total is counted only
    when asked: at a million rows a count is a scan that costs more than the page.
    """
    if cursor is not None and offset:
        raise BadRequest("Page either by cursor or by offset, not both.", code="bad_query")
    after = _decode(cursor) if cursor is not None else None
    rows = list(await repository.list_page(session, flt=flt, limit=limit, offset=offset, after=after))
    total = await repository.count(session, flt=flt) if count else None
    last = rows[-1] if len(rows) == limit else None
    next_cursor = _encode(Position(decision_time=last.decision_time, id=last.id)) if last else None
    return DecisionPage(rows=rows, total=total, next_cursor=next_cursor)
