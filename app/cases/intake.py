"""A webhook's case: evidence, the policy, the decision log, then the workflow opens the save case."""

import time
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import progression
from app.approvals.context import context_for
from app.auth.principal import Principal
from app.cases import repository
from app.cases.evidence import assemble_evidence
from app.cases.models import SaveCase
from app.cases.schemas import SaveCaseCreate
from app.clock import Clock
from app.decisions import service as decision_log
from app.decisions.models import Decision
from app.decisions.service import DecideResult
from app.errors import Forbidden
from app.policy.client import PolicyClient


def check_source(*, principal: Principal, case: SaveCaseCreate) -> None:
    """An integration reports only for its own CRM source: one CRM cannot claim another's event ids."""
    if principal.source != case.source:
        raise Forbidden(
            f"This credential reports for {principal.source!r}; it cannot report events of {case.source!r}."
        )


async def evaluate(
    *,
    session: AsyncSession,
    policy: PolicyClient,
    clock: Clock,
    case_in: SaveCaseCreate,
    raw_body: bytes,
    case_id: str | None,
) -> DecideResult:
    """Assemble the evidence, ask the policy, and append the decision to the log."""
    decision_id = str(uuid.uuid4())
    started = time.perf_counter()
    decision_time = clock.now()
    policy_input = assemble_evidence(case=case_in, decision_time=decision_time)
    result = await policy.decide(policy_input)
    return await decision_log.record(
        session=session,
        decision_id=decision_id,
        case=case_in,
        raw_body=raw_body,
        policy_input=policy_input,
        result=result,
        decision_time=decision_time,
        latency_ms=round((time.perf_counter() - started) * 1000, 3),
        case_id=case_id,
    )


def _new_case(decision: Decision) -> SaveCase:
    evidence = decision.policy_input["case"]
    return SaveCase(
        id=decision.case_id or decision.id,
        account_id=decision.account_id,
        owner_id=evidence["account"].get("owner_id"),
        requester_id=(evidence.get("requested_by") or {}).get("id"),
        status="in_review",  # replaced by the first decision's outcome before the row is written
        current_decision_id=decision.id,
        renewal_date=(evidence.get("contract") or {}).get("renewal_date"),
        created_at=decision.decision_time,
        updated_at=decision.decision_time,
    )


async def decide_new_case(
    *,
    session: AsyncSession,
    policy: PolicyClient,
    clock: Clock,
    case_in: SaveCaseCreate,
    raw_body: bytes,
    principal: Principal,
    crm_url: str | None,
) -> DecideResult:
    """Decide a webhook's case and open its save case; a replay returns the stored decision and opens nothing."""
    check_source(principal=principal, case=case_in)
    replay = await decision_log.find_replay(session=session, case=case_in)
    if replay is not None:
        return replay
    result = await evaluate(
        session=session, policy=policy, clock=clock, case_in=case_in, raw_body=raw_body, case_id=None
    )
    if result.replay:
        return result
    decision = result.decision
    ctx = await context_for(targets=policy, revision=decision.policy_revision, crm_url=crm_url)
    case = _new_case(decision)
    repository.add(session, case)
    await session.flush()  # the case row exists before the rows that refer to it
    await progression.start(
        session, case=case, decision=decision, tasks=[], now=decision.decision_time, ctx=ctx, initial=True
    )
    return result
