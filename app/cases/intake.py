"""A webhook's case: evidence, the policy, the decision log, then the workflow opens the save case.

Three phases, so that no database lock or SQLite writer turn is held while OPA
thinks: a short read (is this event a replay?), the policy with no transaction
open, then one write transaction that records the decision and opens the case.
"""

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import progression
from app.approvals.context import WorkflowContext
from app.approvals.states import CaseStatus
from app.auth.principal import Principal
from app.cases import repository
from app.cases.evidence import assemble_evidence
from app.cases.models import SaveCase
from app.cases.schemas import SaveCaseCreate
from app.clock import Clock
from app.database import Database
from app.decisions import service as decision_log
from app.decisions.models import Decision
from app.decisions.service import DecideResult
from app.errors import Forbidden
from app.policy.client import PolicyClient
from app.policy.schemas import HistoryFacts, PolicyInput, PolicyResult
from app.programme.history import account_history


def check_source(*, principal: Principal, case: SaveCaseCreate) -> None:
    """An integration reports only for its own CRM source: one CRM cannot claim another's event ids."""
    if principal.source != case.source:
        raise Forbidden(
            f"This credential reports for {principal.source!r}; it cannot report events of {case.source!r}."
        )


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    """What the policy said about a case, before anything is written."""

    decision_id: str
    decision_time: datetime
    policy_input: PolicyInput
    result: PolicyResult
    latency_ms: float
    ctx: WorkflowContext


async def evaluate(
    *, policy: PolicyClient, clock: Clock, case_in: SaveCaseCreate, history: HistoryFacts, crm_url: str | None
) -> Evaluation:
    """Assemble the evidence and ask the policy (and the revision's escalation targets); no database involved."""
    started = time.perf_counter()
    decision_time = clock.now()
    policy_input = assemble_evidence(case=case_in, decision_time=decision_time, history=history)
    result = await policy.decide(policy_input)
    targets = await policy.escalation_targets(revision=result.revision)
    return Evaluation(
        decision_id=str(uuid.uuid4()),
        decision_time=decision_time,
        policy_input=policy_input,
        result=result,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
        ctx=WorkflowContext(targets=targets, crm_url=crm_url),
    )


async def record(
    session: AsyncSession,
    *,
    evaluation: Evaluation,
    case_in: SaveCaseCreate,
    raw_body: bytes,
    case_id: str | None,
    then: Callable[[Decision], Awaitable[object]],
) -> DecideResult:
    """Append the evaluated decision and what `then` writes for it (or answer with a concurrent duplicate's)."""
    return await decision_log.record(
        session=session,
        decision_id=evaluation.decision_id,
        case=case_in,
        raw_body=raw_body,
        policy_input=evaluation.policy_input,
        result=evaluation.result,
        decision_time=evaluation.decision_time,
        latency_ms=evaluation.latency_ms,
        case_id=case_id,
        then=then,
    )


def _new_case(decision: Decision) -> SaveCase:
    evidence = decision.policy_input["case"]
    return SaveCase(
        id=decision.case_id or decision.id,
        account_id=decision.account_id,
        owner_id=evidence["account"].get("owner_id"),
        requester_id=(evidence.get("requested_by") or {}).get("id"),
        status=CaseStatus.IN_REVIEW,  # set from the first decision's outcome before the row is written
        current_decision_id=decision.id,
        renewal_date=(evidence.get("contract") or {}).get("renewal_date"),
        created_at=decision.decision_time,
        updated_at=decision.decision_time,
    )


async def open_case(session: AsyncSession, *, evaluation: Evaluation, decision: Decision) -> SaveCase:
    """Open the save case of a new decision and its first tasks."""
    case = _new_case(decision)
    repository.add(session, case)
    await progression.start(
        session, case=case, decision=decision, tasks=[], now=decision.decision_time, ctx=evaluation.ctx, initial=True
    )
    return case


async def decide_new_case(
    *,
    db: Database,
    policy: PolicyClient,
    clock: Clock,
    case_in: SaveCaseCreate,
    raw_body: bytes,
    principal: Principal,
    crm_url: str | None,
) -> DecideResult:
    """Decide a webhook's case and open its save case; a replay returns the stored decision and opens nothing."""
    check_source(principal=principal, case=case_in)
    async with db.read() as session:
        replay = await decision_log.find_replay(session=session, case=case_in)
        if replay is not None:
            return replay
        history = await account_history(session=session, account_id=case_in.account.id, now=clock.now())
    evaluation = await evaluate(policy=policy, clock=clock, case_in=case_in, history=history, crm_url=crm_url)
    async with db.write() as session:

        async def opened(decision: Decision) -> SaveCase:
            return await open_case(session, evaluation=evaluation, decision=decision)

        return await record(
            session, evaluation=evaluation, case_in=case_in, raw_body=raw_body, case_id=None, then=opened
        )
