"""Opening a task: assigned, recorded on the timeline, and its assignee notified, in one step."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import repository
from app.approvals.models import ApprovalTask
from app.approvals.states import TaskKind, TaskStatus, task_state
from app.cases import timeline
from app.cases.models import SaveCase
from app.notifications import outbox


def task_payload(task: ApprovalTask) -> dict[str, Any]:
    return {
        "task_id": task.id,
        "case_id": task.case_id,
        "kind": task.kind,
        "role": task.role,
        "stage": task.stage,
        "due_at": task.due_at.isoformat() if task.due_at else None,
    }


async def open_task(
    session: AsyncSession,
    *,
    case: SaveCase,
    kind: TaskKind,
    role: str,
    stage: int | None,
    assignee_id: str,
    sla_hours: int,
    now: datetime,
    note: str | None = None,
    escalates: ApprovalTask | None = None,
) -> ApprovalTask:
    """Create an open task for a named person; a task is never assigned to nobody."""
    task = ApprovalTask(
        id=str(uuid.uuid4()),
        case_id=case.id,
        decision_id=case.current_decision_id,
        kind=kind,
        stage=stage,
        role=role,
        assignee_id=assignee_id,
        status=TaskStatus.OPEN,
        due_at=now + timedelta(hours=sla_hours),
        escalates_task_id=(escalates.escalates_task_id or escalates.id) if escalates else None,
        created_at=now,
    )
    repository.add(session, task)
    timeline.record(session, case=case, event="assigned", now=now, task=task, after=task_state(task), note=note)
    event = "task.escalated" if escalates else "task.assigned"
    await outbox.notify_person(
        session, person_id=assignee_id, task_id=task.id, event=event, payload=task_payload(task), now=now
    )
    return task
