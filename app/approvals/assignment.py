"""Who holds a task: role holders, the account owner, delegates, and separation of duties.

Separation of duties: within one decision's approval chain, one individual
takes part in at most one task (a task and its escalations count as one). Not
two roles of a stage, not two stages; not directly, not as a delegate, not
through someone else's token. The requester never reviews their own case.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app import vocabulary
from app.approvals.context import WorkflowContext
from app.approvals.models import ApprovalTask
from app.approvals.states import CaseStatus, TaskKind, TaskStatus, case_state, task_state
from app.cases.models import SaveCase
from app.directory import repository as directory_repository
from app.directory import service as directory
from app.directory.models import Person
from app.errors import Conflict, Forbidden

# The first stage of every chain (approval.owner_role of the policy data).
OWNER_ROLE = vocabulary.OWNER_ROLE


@dataclass(frozen=True, kw_only=True)
class Assignee:
    person_id: str | None
    # Why it is not the obvious person, or why nobody could take it.
    note: str | None = None


def slot(task: ApprovalTask) -> str:
    """A task and the escalations of it are one place in the chain."""
    return task.escalates_task_id or task.id


def chain_participants(tasks: Iterable[ApprovalTask], *, decision_id: str, other_than: str | None = None) -> set[str]:
    """Everyone holding, or having acted on, a review task of this decision's chain (outside one slot)."""
    return {
        person
        for t in tasks
        if t.decision_id == decision_id and t.kind == TaskKind.REVIEW and slot(t) != other_than
        for person in (t.assignee_id, t.acted_by, t.acted_on_behalf_of)
        if person
    }


async def is_active_person(session: AsyncSession, *, person_id: str | None) -> bool:
    """Whether this id names an active person of the directory."""
    if not person_id:
        return False
    person = await directory_repository.get_person(session, person_id=person_id)
    return person is not None and person.active


async def active_people(session: AsyncSession) -> Sequence[Person]:
    """The directory's active people, by id: everyone who may hold a task."""
    return await directory_repository.active_people(session)


async def _holders(
    session: AsyncSession, *, role: str, excluded: set[str], people: Sequence[Person] | None
) -> list[str]:
    if people is None:
        people = await active_people(session)
    return [p.id for p in people if role in p.roles and p.id not in excluded]


async def choose(
    session: AsyncSession,
    *,
    case: SaveCase,
    tasks: Iterable[ApprovalTask],
    role: str,
    ctx: WorkflowContext,
    also_excluded: set[str] | frozenset[str] = frozenset(),
    people: Sequence[Person] | None = None,
) -> Assignee:
    """The person for a role's review task (of `people`, else all active): nobody in the chain, never the requester."""
    excluded = chain_participants(tasks, decision_id=case.current_decision_id) | also_excluded
    if case.requester_id:
        excluded.add(case.requester_id)
    if role == OWNER_ROLE:
        if case.owner_id and case.owner_id not in excluded:
            return Assignee(person_id=case.owner_id)
        fallback = ctx.targets.get(OWNER_ROLE)
        candidates = await _holders(session, role=fallback, excluded=excluded, people=people) if fallback else []
        reason = "the account owner requested this case"
        if candidates:
            return Assignee(person_id=candidates[0], note=f"{reason}; {fallback} reviews instead")
        return Assignee(person_id=None, note=f"{reason} and nobody else eligible holds {fallback or 'a fallback role'}")
    candidates = await _holders(session, role=role, excluded=excluded, people=people)
    if candidates:
        return Assignee(person_id=candidates[0])
    return Assignee(person_id=None, note=f"nobody eligible holds the {role} role (holders already act on this case)")


async def check_actor(
    session: AsyncSession,
    *,
    case: SaveCase,
    task: ApprovalTask,
    tasks: Iterable[ApprovalTask],
    actor_id: str,
    now: datetime,
) -> str | None:
    """Refuse anyone but the assignee or their active delegate, on the current stage; return on whose behalf."""
    if task.status != TaskStatus.OPEN:
        raise Conflict(f"The task is already {task.status}.", current=task_state(task))
    if task.kind != TaskKind.REVIEW:
        raise Conflict("This task is completed by revising the case, not by approving it.", current=task_state(task))
    if (
        case.status != CaseStatus.IN_REVIEW
        or task.stage != case.current_stage
        or task.decision_id != case.current_decision_id
    ):
        raise Conflict("The task is not part of the case's current stage.", current=case_state(case))
    if task.assignee_id is None:
        raise Forbidden("The task has no assignee; an administrator must assign it.")
    acting_for = await directory.acting_for(session=session, person_id=actor_id, at=now)
    if task.assignee_id not in acting_for:
        raise Forbidden("Only the assigned approver or their active delegate may act on this task.")
    if actor_id == case.requester_id:
        raise Forbidden("The requester of a case cannot review it.")
    elsewhere = chain_participants(tasks, decision_id=case.current_decision_id, other_than=slot(task))
    if actor_id in elsewhere:
        raise Forbidden("Separation of duties: you already take part in another task of this case's approval chain.")
    return task.assignee_id if actor_id != task.assignee_id else None


async def check_assignable(
    session: AsyncSession, *, case: SaveCase, task: ApprovalTask, tasks: Iterable[ApprovalTask], person_id: str
) -> None:
    """An administrator's assignment follows the same rules as the service's own."""
    if not await is_active_person(session, person_id=person_id):
        raise Conflict(f"{person_id!r} is not an active person in the directory.")
    if person_id == case.requester_id:
        raise Forbidden("The requester of a case cannot review it.")
    if person_id in chain_participants(tasks, decision_id=case.current_decision_id, other_than=slot(task)):
        raise Forbidden(f"Separation of duties: {person_id!r} already takes part in another task of this chain.")
