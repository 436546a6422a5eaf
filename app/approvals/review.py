"""A reviewer's action on a task: approve, reject or request changes, and what follows for the case.

Called with the case row locked and its tasks read afresh (app/approvals/actions.py).
"""

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import assignment, progression
from app.approvals.context import WorkflowContext
from app.approvals.models import ApprovalTask
from app.approvals.states import CaseStatus, TaskKind, TaskStatus, case_state, move_case, move_task, task_state
from app.approvals.tasks import open_task
from app.cases import timeline
from app.cases.models import SaveCase
from app.cases.timeline import Actor
from app.decisions.models import Decision
from app.errors import BadRequest
from app.programme import facts

_OFFER_FIELDS = ("type", "discount_pct", "duration_months", "credit_amount")


class TaskAction(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_CHANGES = "request_changes"


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
    if task.role == assignment.OWNER_ROLE and task.kind == TaskKind.REVIEW:
        await facts.record_owner_action(session, case=case, decision=decision, at=now)
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
            following = [s["stage"] for s in progression.chain(decision) if s["stage"] > stage]
            if following:
                move_case(case, CaseStatus.IN_REVIEW)
                next_stage = min(following)
                if await progression.open_stage(
                    session, case=case, decision=decision, tasks=tasks, stage=next_stage, now=now, ctx=ctx
                ):
                    return
            else:
                await _authorize(session, case=case, decision=decision, now=now)
            await progression.notify_crm(session, case=case, ctx=ctx, now=now)
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
            sla_hours=progression.chain(decision)[0]["sla_hours"],
            now=now,
            note=note,
        )
    await progression.notify_crm(session, case=case, ctx=ctx, now=now)


async def _authorize(session: AsyncSession, *, case: SaveCase, decision: Decision, now: datetime) -> None:
    offer = decision.policy_input["case"]["proposed_offer"]
    before = case_state(case)
    move_case(case, CaseStatus.AUTHORIZED)
    case.current_stage = None
    case.authorized_offer = {field: offer[field] for field in _OFFER_FIELDS}
    case.authorized_at = now
    case.updated_at = now
    after = {**case_state(case), "authorized_offer": case.authorized_offer}
    timeline.record(session, case=case, event="authorized", now=now, before=before, after=after)
    await facts.record_authorization(session, case=case, decision=decision, at=now)
