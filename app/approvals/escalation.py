"""Deadlines: overdue tasks escalate to their target role, and cases past renewal expire.

Lock order is the actions' order: each case row first (skipped when another
process holds it; the next run takes it), then its tasks. So the scheduler and
approvals never wait on each other in a cycle, and each overdue task is
escalated once across workers and replicas.
"""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import assignment, progression
from app.approvals import repository as tasks_repository
from app.approvals.context import WorkflowContext
from app.approvals.models import ApprovalTask
from app.approvals.states import (
    UNFINISHED,
    CaseStatus,
    TaskKind,
    TaskStatus,
    case_state,
    move_case,
    move_task,
    task_state,
)
from app.approvals.tasks import open_task
from app.cases import repository as cases_repository
from app.cases import timeline
from app.cases.models import SaveCase
from app.notifications import outbox


def _overdue(task: ApprovalTask, *, now: datetime) -> bool:
    return (
        task.status == TaskStatus.OPEN and task.escalated_at is None and task.due_at is not None and task.due_at <= now
    )


async def _escalate(
    session: AsyncSession,
    *,
    case: SaveCase,
    tasks: list[ApprovalTask],
    task: ApprovalTask,
    now: datetime,
    ctx: WorkflowContext,
) -> bool:
    task.escalated_at = now
    target = ctx.targets.get(task.role)
    overdue_note = f"{task.role} task overdue since {task.due_at.isoformat() if task.due_at else '?'}"
    if target is None:
        note = f"{task.role} is overdue and has no escalation target"
        timeline.record(session, case=case, event="escalated", now=now, task=task, note=note)
        return False
    chosen = await assignment.choose(session, case=case, tasks=tasks, role=target, ctx=ctx)
    if chosen.person_id is None:
        note = f"{overdue_note}; {chosen.note}"
        timeline.record(session, case=case, event="escalated", now=now, task=task, before=task_state(task), note=note)
        return False
    assert task.due_at is not None
    sla_hours = max(int((task.due_at - task.created_at).total_seconds() // 3600), 1)
    new_task = await open_task(
        session,
        case=case,
        kind=TaskKind(task.kind),
        role=target,
        stage=task.stage,
        assignee_id=chosen.person_id,
        sla_hours=sla_hours,
        now=now,
        escalates=task,
    )
    tasks.append(new_task)
    after = {"escalated_to_task": new_task.id, "role": target, "assignee_id": new_task.assignee_id}
    timeline.record(
        session,
        case=case,
        event="escalated",
        now=now,
        task=task,
        before=task_state(task),
        after=after,
        note=overdue_note,
    )
    return True


async def escalate_overdue(*, session: AsyncSession, now: datetime, ctx: WorkflowContext, limit: int = 100) -> int:
    """Give every overdue task's escalation target a task of its own; the original stays open. Returns how many."""
    escalated = 0
    for case_id in await tasks_repository.overdue_case_ids(session, now=now, limit=limit):
        case = await cases_repository.lock_case(session, case_id=case_id, skip_locked=True)
        if case is None:
            continue
        tasks = list(await tasks_repository.tasks_of_case(session, case_id=case.id, for_update=True))
        for task in [t for t in tasks if _overdue(t, now=now)]:
            escalated += await _escalate(session, case=case, tasks=tasks, task=task, now=now, ctx=ctx)
    await session.flush()
    return escalated


async def expire_cases(*, session: AsyncSession, now: datetime, ctx: WorkflowContext) -> int:
    """End unfinished cases whose renewal date has passed: a save offer after the renewal is moot."""
    today = now.date().isoformat()
    expired = 0
    for case_id in await cases_repository.case_ids_past_renewal(session, today=today, statuses=sorted(UNFINISHED)):
        case = await cases_repository.lock_case(session, case_id=case_id, skip_locked=True)
        if case is None or case.status not in UNFINISHED:
            continue
        before = case_state(case)
        for task in await tasks_repository.tasks_of_case(session, case_id=case.id, for_update=True):
            if task.status == TaskStatus.OPEN:
                move_task(task, TaskStatus.CANCELLED)
        move_case(case, CaseStatus.EXPIRED)
        case.current_stage = None
        case.updated_at = now
        timeline.record(
            session,
            case=case,
            event="expired",
            now=now,
            before=before,
            after=case_state(case),
            note="the renewal date passed",
        )
        await outbox.notify_crm(
            session,
            url=ctx.crm_url,
            case_id=case.id,
            decision_id=case.current_decision_id,
            event="case.expired",
            payload=progression.case_payload(case),
            now=now,
        )
        expired += 1
    await session.flush()
    return expired
