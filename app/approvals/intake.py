"""Where decisions meet cases: a webhook's decision opens a case, a revision re-decides one."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import repository as approvals_repository
from app.approvals import workflow
from app.approvals.models import SaveCase
from app.auth.principal import Principal
from app.cases.schemas import SaveCaseCreate
from app.clock import Clock
from app.decisions import repository as decisions_repository
from app.decisions import service as decisions
from app.decisions.models import Decision
from app.decisions.service import DecideResult
from app.errors import BadRequest, IdempotencyConflict, NotFound
from app.policy.client import PolicyClient


async def workflow_context(*, policy: PolicyClient, revision: str | None, crm_url: str | None) -> workflow.WorkflowContext:
    """The escalation targets of the policy revision in force, and the CRM endpoint."""
    return workflow.WorkflowContext(targets=await policy.escalation_targets(revision=revision), crm_url=crm_url)


async def decide_new_case(
    *, session: AsyncSession, policy: PolicyClient, clock: Clock, case: SaveCaseCreate, raw_body: bytes,
    crm_url: str | None,
) -> DecideResult:  # fmt: skip
    """Decide a webhook's case and open its save case; a replay returns the stored decision and opens nothing."""
    result = await decisions.decide(session=session, policy=policy, clock=clock, case=case, raw_body=raw_body)
    if not result.replay:
        ctx = await workflow_context(policy=policy, revision=result.decision.policy_revision, crm_url=crm_url)
        await workflow.open_case(session=session, decision=result.decision, now=result.decision.decision_time, ctx=ctx)
    return result


async def revise_case(
    *, session: AsyncSession, policy: PolicyClient, clock: Clock, case_id: str, case_in: SaveCaseCreate,
    raw_body: bytes, principal: Principal, crm_url: str | None,
) -> DecideResult:  # fmt: skip
    """Re-decide a paused, declined or returned case with revised evidence or offer; the chain starts again."""
    save_case = await workflow.get_case(session=session, case_id=case_id)
    existing = await decisions_repository.get_by_event(session, source=case_in.source, event_id=case_in.event_id)
    if existing is not None:
        if existing.case_id != case_id:
            raise IdempotencyConflict(f"Event {case_in.event_id!r} from {case_in.source!r} belongs to another case.")
        return await decisions.decide(
            session=session, policy=policy, clock=clock, case=case_in, raw_body=raw_body, case_id=case_id
        )
    now = clock.now()
    await workflow.check_revisable(session=session, case=save_case, person_id=principal.person_id, now=now)
    if case_in.account.id != save_case.account_id:
        raise BadRequest(f"A revision must be for the case's account {save_case.account_id!r}.")
    result = await decisions.decide(
        session=session, policy=policy, clock=clock, case=case_in, raw_body=raw_body, case_id=case_id
    )
    if not result.replay:
        ctx = await workflow_context(policy=policy, revision=result.decision.policy_revision, crm_url=crm_url)
        await workflow.apply_revision(
            session=session, case=save_case, decision=result.decision, actor_id=principal.person_id,
            now=result.decision.decision_time, ctx=ctx,
        )  # fmt: skip
    return result


async def current_decision(*, session: AsyncSession, case: SaveCase) -> Decision:
    """The decision the case now follows."""
    decision = await decisions_repository.get(session, decision_id=case.current_decision_id)
    if decision is None:
        raise NotFound(f"The case's decision {case.current_decision_id!r} is missing.")
    return decision


async def act_on_task(
    *, session: AsyncSession, policy: PolicyClient, task_id: str, actor_id: str, action: str, note: str | None,
    now: datetime, crm_url: str | None,
) -> SaveCase:  # fmt: skip
    """Apply an approver's action to their task under the policy revision of the case's decision."""
    task = await approvals_repository.get_task(session, task_id=task_id)
    if task is None:
        raise NotFound(f"No task with id {task_id!r}.")
    case = await workflow.get_case(session=session, case_id=task.case_id)
    decision = await current_decision(session=session, case=case)
    ctx = await workflow_context(policy=policy, revision=decision.policy_revision, crm_url=crm_url)
    return await workflow.act(
        session=session, task_id=task_id, actor_id=actor_id, action=action, note=note, now=now,
        decision=decision, ctx=ctx,
    )  # fmt: skip
