"""Deciding a save case: evidence, policy, and one durable decision per webhook event."""

import hashlib
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.schemas import SaveCaseCreate
from app.clock import Clock
from app.decisions import repository
from app.decisions.models import Decision
from app.decisions.repository import DecisionFilter
from app.errors import IdempotencyConflict, NotFound
from app.evidence import assemble_evidence
from app.observability import decision_id_var
from app.policy.client import PolicyClient

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class DecideResult:
    decision: Decision
    replay: bool


def payload_fingerprint(case: SaveCaseCreate) -> str:
    """A digest of the case's content, so a resent webhook matches whatever its whitespace or key order."""
    canonical = json.dumps(case.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay_of(existing: Decision, *, fingerprint: str) -> DecideResult:
    if existing.payload_sha256 != fingerprint:
        raise IdempotencyConflict(
            f"Event {existing.event_id!r} from {existing.source!r} was already decided with a different body; "
            "send a new event_id for a changed case."
        )
    decision_id_var.set(existing.id)
    logger.info("webhook replayed; returning the stored decision")
    return DecideResult(decision=existing, replay=True)


async def decide(
    *,
    session: AsyncSession,
    policy: PolicyClient,
    clock: Clock,
    case: SaveCaseCreate,
    raw_body: bytes,
    case_id: str | None = None,
) -> DecideResult:
    """Decide a save case once per (source, event_id); a repeat returns the stored decision.

    A webhook's decision opens a case of its own id; a revision passes the case it belongs to.
    """
    fingerprint = payload_fingerprint(case)
    existing = await repository.get_by_event(session, source=case.source, event_id=case.event_id)
    if existing is not None:
        return _replay_of(existing, fingerprint=fingerprint)

    decision_id = str(uuid.uuid4())
    started = time.perf_counter()
    decision_time = clock.now()
    policy_input = assemble_evidence(case=case, decision_time=decision_time)
    result = await policy.decide(policy_input)
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
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
        case_id=case_id or decision_id,
    )
    try:
        # A savepoint, so that losing a race to a concurrent duplicate leaves the
        # transaction usable for reading the winner.
        async with session.begin_nested():
            repository.add(session, decision=row)
            await session.flush()
    except IntegrityError:
        winner = await repository.get_by_event(session, source=case.source, event_id=case.event_id)
        if winner is None:
            raise
        return _replay_of(winner, fingerprint=fingerprint)
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


async def list_decisions(
    *, session: AsyncSession, flt: DecisionFilter, limit: int, offset: int
) -> tuple[list[Decision], int]:
    """Return a page of decisions matching the filter, newest first, and the total count."""
    rows, total = await repository.list_page(session, flt=flt, limit=limit, offset=offset)
    return list(rows), total
