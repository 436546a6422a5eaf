"""A case through its chain: the decision's outcome starts it, stages open, people act, the case ends.

Every entry point here is called with the case row locked and its tasks read
afresh (see cases.repository.lock_case), so each check sees the latest state.
"""

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import assignment
from app.approvals.context import WorkflowContext
from app.approvals.models import ApprovalTask
from app.approvals.states import CaseStatus, TaskKind, TaskStatus, case_state, move_case, move_task, task_state
from app.approvals.tasks import open_task
from app.cases import timeline
from app.cases.models import SaveCase
from app.cases.timeline import Actor
from app.decisions.models import Decision
from app.errors import BadRequest
from app.notifications import outbox

OWNER_UNKNOWN = "owner_unknown"
NO_ELIGIBLE_APPROVER = "no_eligible_approver"
_OFFER_FIELDS = ("type", "discount_pct", "duration_months", "credit_amount")
_HELD_FOR_OUTCOME = {
    "pause": (CaseStatus.PAUSED, TaskKind.COMPLETE_EVIDENCE),
    "decline": (CaseStatus.DECLINED, TaskKind.REVISE_OFFER),
}


class TaskAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"


def case_payload(case: SaveCase) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "account_id": case.account_id,
        "status": case.status,
        "hold_reason": case.hold_reason,
        "decision_id": case.current_decision_id,
        "authorized_offer": case.authorized_offer,
    }


def _chain(decision: Decision) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = decision.decision["approval_chain"]
    return chain


async def _notify_crm(session: AsyncSession, *, case: SaveCase, ctx: WorkflowContext, now: datetime) -> None:
    await outbox.notify_crm(
        session,
        url=ctx.crm_url,
        case_id=case.id,
        decision_id=case.current_decision_id,
        event=f"case.{case.status}",
        payload=case_payload(case),
        now=now,
    )


def _enter(case: SaveCase, status: CaseStatus, *, initial: bool) -> None:
    if initial:
        case.status = status
    else:
        move_case(case, status)


async def _hold(
    session: AsyncSession,
    *,
    case: SaveCase,
    decision: Decision,
    reason: str,
    note: str,
    now: datetime,
    initial: bool,
) -> None:
    """Pause a case the service cannot route safely, with a named reason; its owner or requester gets the task."""
    before = None if initial else case_state(case)
    _enter(case, CaseStatus.PAUSED, initial=initial)
    case.hold_reason = reason
    case.current_stage = None
    timeline.record(session, case=case, event="held", now=now, before=before, after=case_state(case), note=note)
    for person in (case.owner_id, case.requester_id):
        if await assignment.is_active_person(session, person_id=person):
            assert person is not None
            await open_task(
                session,
                case=case,
                kind=TaskKind.COMPLETE_EVIDENCE,
                role=assignment.OWNER_ROLE,
                stage=None,
                assignee_id=person,
                sla_hours=_chain(decision)[0]["sla_hours"],
                now=now,
                note=note,
            )
            return


async def _open_stage(
    session: AsyncSession,
    *,
    case: SaveCase,
    decision: Decision,
    tasks: list[ApprovalTask],
    stage: int,
    now: datetime,
    ctx: WorkflowContext,
) -> bool:
    """Open every role's task of a stage, or hold the case when a role has nobody eligible. True when opened."""
    spec = next(s for s in _chain(decision) if s["stage"] == stage)
    chosen: list[tuple[str, str, str | None]] = []
    for role in spec["roles"]:
        # Later roles of the same stage must not go to a person chosen for an earlier one.
        taken = {person for _, person, _ in chosen}
        assignee = await assignment.choose(session, case=case, tasks=tasks, role=role, ctx=ctx, also_excluded=taken)
        if assignee.person_id is None:
            note = f"stage {stage}: {assignee.note}"
            await _hold(
                session, case=case, decision=decision, reason=NO_ELIGIBLE_APPROVER, note=note, now=now, initial=False
            )
            return False
        chosen.append((role, assignee.person_id, assignee.note))
    before = case_state(case)
    case.current_stage = stage
    case.updated_at = now
    timeline.record(session, case=case, event="stage_opened", now=now, before=before, after=case_state(case))
    for role, person_id, why in chosen:
        tasks.append(
            await open_task(
                session,
                case=case,
                kind=TaskKind.REVIEW,
                role=role,
                stage=stage,
                assignee_id=person_id,
                sla_hours=spec["sla_hours"],
                now=now,
                note=why,
            )
        )
    return True


async def start(
    session: AsyncSession,
    *,
    case: SaveCase,
    decision: Decision,
    tasks: list[ApprovalTask],
    now: datetime,
    ctx: WorkflowContext,
    initial: bool,
) -> None:
    """Turn a decision's outcome into the case's status and its first tasks."""
    outcome = decision.decision["outcome"]
    case.current_decision_id = decision.id
    case.updated_at = now
    case.hold_reason = None
    if not await assignment.is_active_person(session, person_id=case.owner_id):
        note = f"the account owner {case.owner_id!r} is not an active person in the directory"
        await _hold(session, case=case, decision=decision, reason=OWNER_UNKNOWN, note=note, now=now, initial=initial)
    elif outcome == "route":
        before = None if initial else case_state(case)
        _enter(case, CaseStatus.IN_REVIEW, initial=initial)
        case.current_stage = None
        timeline.record(session, case=case, event="opened", now=now, before=before, after=case_state(case))
        await _open_stage(session, case=case, decision=decision, tasks=tasks, stage=1, now=now, ctx=ctx)
    else:
        status, kind = _HELD_FOR_OUTCOME[outcome]
        before = None if initial else case_state(case)
        _enter(case, status, initial=initial)
        case.current_stage = None
        timeline.record(session, case=case, event="opened", now=now, before=before, after=case_state(case))
        assert case.owner_id is not None
        await open_task(
            session,
            case=case,
            kind=kind,
            role=assignment.OWNER_ROLE,
            stage=None,
            assignee_id=case.owner_id,
            sla_hours=_chain(decision)[0]["sla_hours"],
            now=now,
        )
    await _notify_crm(session, case=case, ctx=ctx, now=now)


def _close(task: ApprovalTask, *, status: TaskStatus, actor: Actor, note: str | None, now: datetime) -> None:
    move_task(task, status)
    task.acted_by = actor.person_id
    task.acted_on_behalf_of = actor.on_behalf_of
    task.acted_at = now
    task.comment = note


def _stage_complete(tasks: Sequence[ApprovalTask], *, decision_id: str, stage: int) -> bool:
    in_stage = [t for t in tasks if t.decision_id == decision_id and t.stage == stage and t.kind == TaskKind.REVIEW]
    approved_slots = {assignment.slot(t) for t in in_stage if t.status == TaskStatus.APPROVED}
    return all(t.id in approved_slots for t in in_stage if t.escalates_task_id is None)


async def act(
    session: AsyncSession,
    *,
    case: SaveCase,
    tasks: list[ApprovalTask],
    task: ApprovalTask,
    decision: Decision,
    actor: Actor,
    action: TaskAction,
    note: str | None,
    now: datetime,
    ctx: WorkflowContext,
) -> None:
    """Approve, reject or request changes on a task (already checked), and move the case on."""
    if action is not TaskAction.APPROVE and not (note and note.strip()):
        raise BadRequest("A rejection needs a reason and a change request needs guidance.")
    if actor.on_behalf_of:
        timeline.record(
            session,
            case=case,
            event="delegated",
            now=now,
            actor=actor,
            task=task,
            note=f"{actor.person_id} acts for {actor.on_behalf_of} under an active delegation",
        )
    before_task, before_case = task_state(task), case_state(case)
    if action is TaskAction.APPROVE:
        _close(task, status=TaskStatus.APPROVED, actor=actor, note=note, now=now)
        for other in tasks:
            if (
                other.id != task.id
                and other.status == TaskStatus.OPEN
                and assignment.slot(other) == assignment.slot(task)
            ):
                move_task(other, TaskStatus.SUPERSEDED)
        timeline.record(
            session,
            case=case,
            event="approved",
            now=now,
            actor=actor,
            task=task,
            before=before_task,
            after=task_state(task),
            note=note,
        )
        stage = task.stage or 0
        if _stage_complete(tasks, decision_id=case.current_decision_id, stage=stage):
            following = [s["stage"] for s in _chain(decision) if s["stage"] > stage]
            if following:
                move_case(case, CaseStatus.IN_REVIEW)
                next_stage = min(following)
                if await _open_stage(
                    session, case=case, decision=decision, tasks=tasks, stage=next_stage, now=now, ctx=ctx
                ):
                    return
            else:
                _authorize(session, case=case, decision=decision, now=now)
            await _notify_crm(session, case=case, ctx=ctx, now=now)
        return
    task_status, case_status = {
        TaskAction.REJECT: (TaskStatus.REJECTED, CaseStatus.REJECTED),
        TaskAction.REQUEST_CHANGES: (TaskStatus.CHANGES_REQUESTED, CaseStatus.CHANGES_REQUESTED),
    }[action]
    _close(task, status=task_status, actor=actor, note=note, now=now)
    for other in tasks:
        if other.id != task.id and other.status == TaskStatus.OPEN:
            move_task(other, TaskStatus.CANCELLED)
    move_case(case, case_status)
    case.updated_at = now
    timeline.record(
        session,
        case=case,
        event=case_status.value,
        now=now,
        actor=actor,
        task=task,
        before={**before_case, **before_task},
        after={**case_state(case), **task_state(task)},
        note=note,
    )
    if action is TaskAction.REQUEST_CHANGES:
        assignee = case.requester_id or case.owner_id
        if not await assignment.is_active_person(session, person_id=assignee):
            assignee = case.owner_id
        assert assignee is not None
        await open_task(
            session,
            case=case,
            kind=TaskKind.REVISE_OFFER,
            role=assignment.OWNER_ROLE,
            stage=None,
            assignee_id=assignee,
            sla_hours=_chain(decision)[0]["sla_hours"],
            now=now,
            note=note,
        )
    await _notify_crm(session, case=case, ctx=ctx, now=now)


def _authorize(session: AsyncSession, *, case: SaveCase, decision: Decision, now: datetime) -> None:
    offer = decision.policy_input["case"]["proposed_offer"]
    before = case_state(case)
    move_case(case, CaseStatus.AUTHORIZED)
    case.current_stage = None
    case.authorized_offer = {field: offer[field] for field in _OFFER_FIELDS}
    case.authorized_at = now
    case.updated_at = now
    after = {**case_state(case), "authorized_offer": case.authorized_offer}
    timeline.record(session, case=case, event="authorized", now=now, before=before, after=after)


def supersede_open_tasks(tasks: Sequence[ApprovalTask]) -> None:
    """A re-decided case's open tasks end: the new decision's chain replaces them."""
    for task in tasks:
        if task.status == TaskStatus.OPEN:
            move_task(task, TaskStatus.SUPERSEDED)
