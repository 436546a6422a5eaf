"""What an approver or an administrator does to a task, each applied once under the case's row lock."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import assignment, review
from app.approvals import repository as tasks_repository
from app.approvals.context import WorkflowContext
from app.approvals.models import ApprovalTask
from app.approvals.review import TaskAction
from app.approvals.states import TaskStatus, task_state
from app.approvals.tasks import task_payload
from app.cases import repository as cases_repository
from app.cases import timeline
from app.cases.models import SaveCase
from app.cases.timeline import Actor
from app.database import retry_on_deadlock
from app.decisions import repository as decisions_repository
from app.decisions.models import Decision
from app.errors import Conflict, NotFound
from app.notifications import outbox


async def _locked(session: AsyncSession, *, task_id: str) -> tuple[SaveCase, list[ApprovalTask], ApprovalTask]:
    """The task's case under its row lock, then its tasks read afresh: every check after this sees the latest state."""
    found = await tasks_repository.get_task(session, task_id=task_id)
    if found is None:
        raise NotFound(f"No task with id {task_id!r}.")
    case = await cases_repository.lock_case(session, case_id=found.case_id)
    if case is None:
        raise NotFound(f"No task with id {task_id!r}.")
    tasks = list(await tasks_repository.tasks_of_case(session, case_id=case.id, for_update=True))
    task = next(t for t in tasks if t.id == task_id)
    return case, tasks, task


async def _decision(session: AsyncSession, *, case: SaveCase) -> Decision:
    decision = await decisions_repository.get(session, decision_id=case.current_decision_id)
    if decision is None:
        raise NotFound(f"The case's decision {case.current_decision_id!r} is missing.")
    return decision


async def act_on_task(
    *,
    session: AsyncSession,
    task_id: str,
    actor_id: str,
    token_id: str | None,
    action: TaskAction,
    note: str | None,
    now: datetime,
    ctx: WorkflowContext,
) -> SaveCase:
    """Approve, reject or request changes on a task; of simultaneous actions on one task, one wins, the rest get 409."""

    async def _apply(session: AsyncSession) -> SaveCase:
        case, tasks, task = await _locked(session, task_id=task_id)
        on_behalf_of = await assignment.check_actor(
            session, case=case, task=task, tasks=tasks, actor_id=actor_id, now=now
        )
        decision = await _decision(session, case=case)
        actor = Actor(person_id=actor_id, on_behalf_of=on_behalf_of, token_id=token_id)
        await review.act(
            session,
            case=case,
            tasks=tasks,
            task=task,
            decision=decision,
            actor=actor,
            action=action,
            note=note,
            now=now,
            ctx=ctx,
        )
        await session.flush()
        return case

    return await retry_on_deadlock(session, _apply)


async def assign_task(
    *, session: AsyncSession, task_id: str, assignee_id: str, admin: Actor, now: datetime
) -> ApprovalTask:
    """An administrator gives an open review task to another person, under the same separation of duties."""
    case, tasks, task = await _locked(session, task_id=task_id)
    if task.status != TaskStatus.OPEN:
        raise Conflict(f"The task is already {task.status}.", current=task_state(task))
    if task.assignee_id == assignee_id:
        raise Conflict(f"The task is already assigned to {assignee_id!r}.", current=task_state(task))
    await assignment.check_assignable(session, case=case, task=task, tasks=tasks, person_id=assignee_id)
    before = task_state(task)
    task.assignee_id = assignee_id
    timeline.record(
        session, case=case, event="assigned", now=now, actor=admin, task=task, before=before, after=task_state(task)
    )
    await outbox.notify_person(
        session, person_id=assignee_id, task_id=task.id, event="task.assigned", payload=task_payload(task), now=now
    )
    await session.flush()
    return task
