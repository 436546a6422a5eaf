"""The approval workflow: a decision opens a case, its chain becomes tasks, people act, the case ends."""

import uuid
from dataclasses import dataclass
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import repository
from app.approvals.models import ApprovalTask, CaseEvent, SaveCase
from app.decisions.models import Decision
from app.directory import repository as directory_repository
from app.directory import service as directory
from app.errors import BadRequest, Conflict, Forbidden, NotFound
from app.notifications import outbox

# Case statuses.
IN_REVIEW, PAUSED, DECLINED, CHANGES_REQUESTED = "in_review", "paused", "declined", "changes_requested"
AUTHORIZED, REJECTED, EXPIRED = "authorized", "rejected", "expired"
AWAITING_REQUESTER = (PAUSED, DECLINED, CHANGES_REQUESTED)
UNFINISHED = (IN_REVIEW, *AWAITING_REQUESTER)

# Task kinds and statuses.
REVIEW, COMPLETE_EVIDENCE, REVISE_OFFER = "review", "complete_evidence", "revise_offer"
OPEN, APPROVED, TASK_REJECTED, TASK_CHANGES = "open", "approved", "rejected", "changes_requested"
SUPERSEDED, CANCELLED = "superseded", "cancelled"



@dataclass(frozen=True, kw_only=True)
class WorkflowContext:
    """What the workflow needs from outside: escalation targets (policy data) and where the CRM hears of changes."""

    targets: dict[str, str]
    crm_url: str | None


_OWNER_TASK_FOR_OUTCOME = {"pause": (PAUSED, COMPLETE_EVIDENCE), "decline": (DECLINED, REVISE_OFFER)}
_OFFER_FIELDS = ("type", "discount_pct", "duration_months", "credit_amount")


def _case_state(case: SaveCase) -> dict:
    return {"status": case.status, "current_stage": case.current_stage, "decision_id": case.current_decision_id}


def _task_state(task: ApprovalTask) -> dict:
    return {"task_status": task.status, "assignee_id": task.assignee_id, "role": task.role, "stage": task.stage}


def _record(
    session: AsyncSession,
    *,
    case: SaveCase,
    event: str,
    now: datetime,
    actor_id: str | None = None,
    on_behalf_of: str | None = None,
    task: ApprovalTask | None = None,
    before: dict | None = None,
    after: dict | None = None,
    note: str | None = None,
) -> None:
    repository.add(
        session,
        CaseEvent(
            case_id=case.id,
            task_id=task.id if task else None,
            event=event,
            actor_id=actor_id,
            on_behalf_of=on_behalf_of,
            at=now,
            before=before,
            after=after,
            note=note,
        ),
    )


async def _eligible_people(session: AsyncSession, *, role: str, excluded: set[str]) -> list[str]:
    people = await directory_repository.active_people(session)
    return [p.id for p in people if role in p.roles and p.id not in excluded]


async def _stage_approvers(session: AsyncSession, *, case: SaveCase, other_than_stage: int | None) -> set[str]:
    """People who already approved, or were assigned to review, another stage of this decision's chain."""
    tasks = await repository.tasks_of_case(session, case_id=case.id)
    return {
        person
        for t in tasks
        if t.decision_id == case.current_decision_id and t.kind == REVIEW and t.stage != other_than_stage
        for person in (t.assignee_id, t.acted_by)
        if person
    }


async def _resolve_assignee(
    session: AsyncSession, *, case: SaveCase, role: str, stage: int | None, ctx: WorkflowContext
) -> tuple[str | None, str | None]:
    """Who gets a role's task, and a note when it is not the obvious person.

    The requester never reviews their own case and nobody reviews two stages,
    so a role whose natural holder is excluded goes to the next eligible
    holder, or for the account owner to the owner's escalation target.
    """
    excluded = {case.requester_id} if case.requester_id else set()
    if stage is not None:
        excluded |= await _stage_approvers(session, case=case, other_than_stage=stage)
    if role == "account_owner":
        if case.owner_id and case.owner_id not in excluded:
            return case.owner_id, None
        fallback = ctx.targets.get("account_owner")
        candidates = await _eligible_people(session, role=fallback, excluded=excluded) if fallback else []
        reason = "the account owner requested this case" if case.owner_id else "the case names no account owner"
        return (candidates[0], f"{reason}; {fallback} reviews instead") if candidates else (None, f"{reason}; nobody eligible")
    candidates = await _eligible_people(session, role=role, excluded=excluded)
    return (candidates[0], None) if candidates else (None, f"nobody eligible holds the {role} role")


async def _open_task(
    session: AsyncSession,
    *,
    case: SaveCase,
    kind: str,
    role: str,
    stage: int | None,
    sla_hours: int,
    now: datetime,
    ctx: WorkflowContext,
    assignee_id: str | None = None,
    escalates: ApprovalTask | None = None,
) -> ApprovalTask:
    note = None
    if assignee_id is None:
        assignee_id, note = await _resolve_assignee(
            session, case=case, role=role, stage=stage, ctx=ctx
        )
    task = ApprovalTask(
        id=str(uuid.uuid4()),
        case_id=case.id,
        decision_id=case.current_decision_id,
        kind=kind,
        stage=stage,
        role=role,
        assignee_id=assignee_id,
        status=OPEN,
        due_at=now + timedelta(hours=sla_hours),
        escalates_task_id=(escalates.escalates_task_id or escalates.id) if escalates else None,
        created_at=now,
    )
    repository.add(session, task)
    await session.flush()
    _record(session, case=case, event="assigned", now=now, task=task, after=_task_state(task), note=note)
    await outbox.notify_person(session, person_id=assignee_id, event="task.assigned", payload=_task_payload(task), now=now)
    return task


def _task_payload(task: ApprovalTask) -> dict:
    return {
        "task_id": task.id,
        "case_id": task.case_id,
        "kind": task.kind,
        "role": task.role,
        "stage": task.stage,
        "due_at": task.due_at.isoformat() if task.due_at else None,
    }


def _chain(decision: Decision) -> list[dict]:
    return decision.decision["approval_chain"]


async def _open_stage(
    session: AsyncSession, *, case: SaveCase, decision: Decision, stage: int, now: datetime, ctx: WorkflowContext
) -> None:
    spec = next(s for s in _chain(decision) if s["stage"] == stage)
    before = _case_state(case)
    case.current_stage = stage
    case.updated_at = now
    _record(session, case=case, event="stage_opened", now=now, before=before, after=_case_state(case))
    for role in spec["roles"]:
        await _open_task(
            session, case=case, kind=REVIEW, role=role, stage=stage, sla_hours=spec["sla_hours"], now=now,
            ctx=ctx,
        )  # fmt: skip


async def _start_from_decision(
    session: AsyncSession, *, case: SaveCase, decision: Decision, now: datetime, ctx: WorkflowContext
) -> None:
    """Turn the decision's outcome into the case's status and its first tasks."""
    outcome = decision.decision["outcome"]
    before = _case_state(case)
    case.current_decision_id = decision.id
    case.updated_at = now
    if outcome == "route":
        case.status = IN_REVIEW
        _record(session, case=case, event="opened", now=now, before=before, after=_case_state(case))
        await _open_stage(session, case=case, decision=decision, stage=1, now=now, ctx=ctx)
    else:
        case.status, kind = _OWNER_TASK_FOR_OUTCOME[outcome]
        case.current_stage = None
        _record(session, case=case, event="opened", now=now, before=before, after=_case_state(case))
        sla = _chain(decision)[0]["sla_hours"]
        await _open_task(
            session, case=case, kind=kind, role="account_owner", stage=None, sla_hours=sla, now=now,
            ctx=ctx, assignee_id=case.owner_id or case.requester_id,
        )  # fmt: skip
    await outbox.notify_crm(session, url=ctx.crm_url, event=f"case.{case.status}", payload=case_payload(case), now=now)


def case_payload(case: SaveCase) -> dict:
    return {
        "case_id": case.id,
        "account_id": case.account_id,
        "status": case.status,
        "decision_id": case.current_decision_id,
        "authorized_offer": case.authorized_offer,
    }


async def open_case(*, session: AsyncSession, decision: Decision, now: datetime, ctx: WorkflowContext) -> SaveCase:
    """Open a save case for a new decision (route, pause or decline) and its first tasks."""
    evidence = decision.policy_input["case"]
    requester = (evidence.get("requested_by") or {}).get("id")
    case = SaveCase(
        id=decision.case_id or decision.id,
        account_id=decision.account_id,
        owner_id=evidence["account"].get("owner_id"),
        requester_id=requester,
        status="opening",
        current_decision_id=decision.id,
        renewal_date=(evidence.get("contract") or {}).get("renewal_date"),
        created_at=now,
        updated_at=now,
    )
    repository.add(session, case)
    await session.flush()
    await _start_from_decision(session, case=case, decision=decision, now=now, ctx=ctx)
    return case


async def get_case(*, session: AsyncSession, case_id: str) -> SaveCase:
    """Return a case or raise NotFound."""
    case = await repository.get_case(session, case_id=case_id)
    if case is None:
        raise NotFound(f"No save case with id {case_id!r}.")
    return case


async def can_see(*, session: AsyncSession, case: SaveCase, person_id: str, now: datetime) -> bool:
    """Owner, requester, anyone assigned a task of the case, and their active delegates may see it."""
    acting_for = await directory.acting_for(session=session, person_id=person_id, at=now)
    return await repository.case_involves(session, case_id=case.id, person_ids=acting_for)


async def check_revisable(*, session: AsyncSession, case: SaveCase, person_id: str | None, now: datetime) -> None:
    """Only a case awaiting its requester may be revised, and only by its owner, requester or their delegates."""
    if case.status not in AWAITING_REQUESTER:
        raise Conflict(f"The case is {case.status}; only a paused, declined or returned case can be revised.")
    if person_id is not None:
        acting_for = await directory.acting_for(session=session, person_id=person_id, at=now)
        if not acting_for & {case.owner_id, case.requester_id}:
            raise Forbidden("Only the case's owner or requester (or their delegate) may revise it.")


async def apply_revision(
    *, session: AsyncSession, case: SaveCase, decision: Decision, actor_id: str | None, now: datetime,
    ctx: WorkflowContext,
) -> SaveCase:  # fmt: skip
    """Restart the case from a new decision on the revised case: open tasks end, the new chain begins."""
    for task in await repository.open_tasks_of_case(session, case_id=case.id):
        task.status = SUPERSEDED
    evidence = decision.policy_input["case"]
    case.owner_id = evidence["account"].get("owner_id")
    case.renewal_date = (evidence.get("contract") or {}).get("renewal_date")
    _record(
        session, case=case, event="redecided", now=now, actor_id=actor_id,
        before=_case_state(case), after={"decision_id": decision.id, "outcome": decision.decision["outcome"]},
    )  # fmt: skip
    await _start_from_decision(session, case=case, decision=decision, now=now, ctx=ctx)
    return case


async def _check_actor(
    session: AsyncSession, *, case: SaveCase, task: ApprovalTask, actor_id: str, now: datetime
) -> str | None:
    """Refuse anyone but the assignee or their active delegate, on the current stage; return on whose behalf."""
    if task.status != OPEN:
        raise Conflict(f"The task is already {task.status}.")
    if task.kind != REVIEW:
        raise Conflict("This task is completed by revising the case, not by approving it.")
    if case.status != IN_REVIEW or task.stage != case.current_stage or task.decision_id != case.current_decision_id:
        raise Conflict("The task is not part of the case's current stage.")
    if task.assignee_id is None:
        raise Forbidden("The task has no assignee yet; an administrator must assign it.")
    acting_for = await directory.acting_for(session=session, person_id=actor_id, at=now)
    if task.assignee_id not in acting_for:
        raise Forbidden("Only the assigned approver or their active delegate may act on this task.")
    if actor_id == case.requester_id:
        raise Forbidden("The requester of a case cannot review it.")
    tasks = await repository.tasks_of_case(session, case_id=case.id)
    approved_other_stages = {
        person
        for t in tasks
        if t.decision_id == case.current_decision_id and t.status == APPROVED and t.stage != task.stage
        for person in (t.acted_by, t.acted_on_behalf_of)
        if person
    }
    if {actor_id, task.assignee_id} & approved_other_stages:
        raise Forbidden("One person cannot approve two stages of the same case.")
    return task.assignee_id if actor_id != task.assignee_id else None


def _close(task: ApprovalTask, *, status: str, actor_id: str, on_behalf_of: str | None, note: str | None, now: datetime) -> None:
    task.status = status
    task.acted_by = actor_id
    task.acted_on_behalf_of = on_behalf_of
    task.acted_at = now
    task.comment = note


async def _stage_complete(session: AsyncSession, *, case: SaveCase, stage: int) -> bool:
    tasks = [
        t for t in await repository.tasks_of_case(session, case_id=case.id)
        if t.decision_id == case.current_decision_id and t.stage == stage and t.kind == REVIEW
    ]  # fmt: skip
    approved_roots = {t.escalates_task_id or t.id for t in tasks if t.status == APPROVED}
    return all(t.id in approved_roots for t in tasks if t.escalates_task_id is None)


async def act(
    *, session: AsyncSession, task_id: str, actor_id: str, action: str, note: str | None, now: datetime,
    decision: Decision, ctx: WorkflowContext,
) -> SaveCase:  # fmt: skip
    """Approve, reject or request changes on a task, and move the case on."""
    task = await repository.get_task(session, task_id=task_id)
    if task is None:
        raise NotFound(f"No task with id {task_id!r}.")
    case = await repository.get_case(session, case_id=task.case_id, for_update=True)
    assert case is not None
    on_behalf_of = await _check_actor(session, case=case, task=task, actor_id=actor_id, now=now)
    if action in ("reject", "request_changes") and not (note and note.strip()):
        raise BadRequest("A rejection needs a reason and a change request needs guidance.")
    if on_behalf_of:
        _record(
            session, case=case, event="delegated", now=now, actor_id=actor_id, on_behalf_of=on_behalf_of, task=task,
            note=f"{actor_id} acts for {on_behalf_of} under an active delegation",
        )  # fmt: skip
    before_task, before_case = _task_state(task), _case_state(case)
    root = task.escalates_task_id or task.id
    siblings = [
        t for t in await repository.open_tasks_of_case(session, case_id=case.id)
        if t.id != task.id and (t.escalates_task_id or t.id) == root
    ]  # fmt: skip
    if action == "approve":
        _close(task, status=APPROVED, actor_id=actor_id, on_behalf_of=on_behalf_of, note=note, now=now)
        for sibling in siblings:
            sibling.status = SUPERSEDED
        _record(
            session, case=case, event="approved", now=now, actor_id=actor_id, on_behalf_of=on_behalf_of, task=task,
            before=before_task, after=_task_state(task), note=note,
        )  # fmt: skip
        await session.flush()
        if await _stage_complete(session, case=case, stage=task.stage or 0):
            stages = [s["stage"] for s in _chain(decision)]
            following = [s for s in stages if s > (task.stage or 0)]
            if following:
                await _open_stage(session, case=case, decision=decision, stage=min(following), now=now, ctx=ctx)
            else:
                await _authorize(session, case=case, decision=decision, now=now, ctx=ctx)
        return case
    ending = {"reject": (TASK_REJECTED, REJECTED, "rejected"), "request_changes": (TASK_CHANGES, CHANGES_REQUESTED, "changes_requested")}
    if action not in ending:
        raise BadRequest(f"Unknown action {action!r}.")
    task_status, case_status, event = ending[action]
    _close(task, status=task_status, actor_id=actor_id, on_behalf_of=on_behalf_of, note=note, now=now)
    for other in await repository.open_tasks_of_case(session, case_id=case.id):
        if other.id != task.id:
            other.status = CANCELLED
    case.status = case_status
    case.updated_at = now
    _record(
        session, case=case, event=event, now=now, actor_id=actor_id, on_behalf_of=on_behalf_of, task=task,
        before={**before_case, **before_task}, after={**_case_state(case), **_task_state(task)}, note=note,
    )  # fmt: skip
    if action == "request_changes":
        sla = next(s["sla_hours"] for s in _chain(decision))
        await _open_task(
            session, case=case, kind=REVISE_OFFER, role="account_owner", stage=None, sla_hours=sla, now=now,
            ctx=ctx, assignee_id=case.requester_id or case.owner_id,
        )  # fmt: skip
    await outbox.notify_crm(session, url=ctx.crm_url, event=f"case.{case.status}", payload=case_payload(case), now=now)
    return case


async def _authorize(
    session: AsyncSession, *, case: SaveCase, decision: Decision, now: datetime, ctx: WorkflowContext
) -> None:
    offer = decision.policy_input["case"]["proposed_offer"]
    before = _case_state(case)
    case.status = AUTHORIZED
    case.current_stage = None
    case.authorized_offer = {field: offer[field] for field in _OFFER_FIELDS}
    case.authorized_at = now
    case.updated_at = now
    _record(session, case=case, event="authorized", now=now, before=before, after={**_case_state(case), "authorized_offer": case.authorized_offer})
    await outbox.notify_crm(session, url=ctx.crm_url, event="case.authorized", payload=case_payload(case), now=now)


async def escalate_overdue(*, session: AsyncSession, now: datetime, ctx: WorkflowContext, limit: int = 100) -> int:
    """Give every overdue task's escalation target a task of its own; the original stays open. Returns how many."""
    escalated = 0
    for task in await repository.overdue_tasks(session, now=now, limit=limit):
        target = ctx.targets.get(task.role)
        task.escalated_at = now
        case = await repository.get_case(session, case_id=task.case_id)
        assert case is not None
        if target is None:
            _record(session, case=case, event="escalated", now=now, task=task, note=f"{task.role} is overdue and has no escalation target")
            continue
        sla = int(max((task.due_at - task.created_at).total_seconds() // 3600, 1)) if task.due_at else 48
        new_task = await _open_task(
            session, case=case, kind=task.kind, role=target, stage=task.stage, sla_hours=sla, now=now,
            ctx=ctx, escalates=task,
        )  # fmt: skip
        _record(
            session, case=case, event="escalated", now=now, task=task,
            before=_task_state(task), after={"escalated_to_task": new_task.id, "role": target, "assignee_id": new_task.assignee_id},
            note=f"{task.role} task overdue since {task.due_at.isoformat() if task.due_at else '?'}",
        )  # fmt: skip
        await outbox.notify_person(session, person_id=new_task.assignee_id, event="task.escalated", payload=_task_payload(new_task), now=now)
        escalated += 1
    await session.flush()
    return escalated


async def expire_cases(*, session: AsyncSession, now: datetime, ctx: WorkflowContext) -> int:
    """End unfinished cases whose renewal date has passed: a save offer after the renewal is moot."""
    cases = await repository.cases_past_renewal(session, today=now.date().isoformat(), statuses=UNFINISHED)
    for case in cases:
        before = _case_state(case)
        for task in await repository.open_tasks_of_case(session, case_id=case.id):
            task.status = CANCELLED
        case.status = EXPIRED
        case.current_stage = None
        case.updated_at = now
        _record(session, case=case, event="expired", now=now, before=before, after=_case_state(case), note="the renewal date passed")
        await outbox.notify_crm(session, url=ctx.crm_url, event="case.expired", payload=case_payload(case), now=now)
    await session.flush()
    return len(cases)


async def inbox(*, session: AsyncSession, person_id: str, now: datetime) -> Sequence[ApprovalTask]:
    """Open tasks assigned to the person or to someone who delegated to them."""
    acting_for = await directory.acting_for(session=session, person_id=person_id, at=now)
    return await repository.open_tasks_for(session, assignee_ids=acting_for)


async def assign(*, session: AsyncSession, task_id: str, assignee_id: str, actor_id: str, now: datetime) -> ApprovalTask:
    """An administrator assigns an open task to a person."""
    task = await repository.get_task(session, task_id=task_id)
    if task is None:
        raise NotFound(f"No task with id {task_id!r}.")
    if task.status != OPEN:
        raise Conflict(f"The task is already {task.status}.")
    person = await directory.get_person(session=session, person_id=assignee_id)
    case = await get_case(session=session, case_id=task.case_id)
    if person.id == case.requester_id:
        raise Forbidden("The requester of a case cannot review it.")
    before = _task_state(task)
    task.assignee_id = person.id
    _record(session, case=case, event="assigned", now=now, actor_id=actor_id, task=task, before=before, after=_task_state(task))
    await outbox.notify_person(session, person_id=person.id, event="task.assigned", payload=_task_payload(task), now=now)
    await session.flush()
    return task
