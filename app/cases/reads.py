"""Reading a case: who may see it, and the case as its people read it."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import repository as tasks_repository
from app.approvals.models import ApprovalTask
from app.approvals.schemas import InboxItemRead, TaskRead
from app.auth.principal import Principal
from app.cases import repository
from app.cases.models import SaveCase
from app.cases.read_schemas import CaseEventRead, SaveCaseRead
from app.decisions import repository as decisions_repository
from app.decisions.models import Decision
from app.decisions.schemas import DecisionRead
from app.decisions.summary import evidence_summary
from app.directory import service as directory
from app.errors import NotFound


async def can_see(*, session: AsyncSession, case: SaveCase, person_id: str, now: datetime) -> bool:
    """Owner, requester, anyone assigned a task of the case, and their active delegates may see it."""
    acting_for = await directory.acting_for(session=session, person_id=person_id, at=now)
    return await repository.case_involves(session, case_id=case.id, person_ids=acting_for)


async def visible_case(*, session: AsyncSession, principal: Principal, case_id: str, now: datetime) -> SaveCase:
    """The case, if the caller may see it; the same 404 whether it is missing or hidden, so nothing leaks."""
    case = await repository.get_case(session, case_id=case_id)
    if case is not None and (
        principal.is_admin
        or principal.is_integration
        or await can_see(session=session, case=case, person_id=principal.person_id or "", now=now)
    ):
        return case
    raise NotFound(f"No save case with id {case_id!r}.")


async def current_decision(*, session: AsyncSession, case: SaveCase) -> Decision:
    """The decision the case now follows."""
    decision = await decisions_repository.get(session, decision_id=case.current_decision_id)
    if decision is None:
        raise NotFound(f"The case's decision {case.current_decision_id!r} is missing.")
    return decision


async def case_read(*, session: AsyncSession, case: SaveCase) -> SaveCaseRead:
    """A case with its current decision, the approver's evidence summary, its tasks and its timeline."""
    decision = await current_decision(session=session, case=case)
    decisions = await decisions_repository.of_case(session, case_id=case.id)
    tasks = await tasks_repository.tasks_of_case(session, case_id=case.id)
    events = await repository.events_of_case(session, case_id=case.id)
    return SaveCaseRead(
        id=case.id,
        account_id=case.account_id,
        owner_id=case.owner_id,
        requester_id=case.requester_id,
        status=case.status,
        hold_reason=case.hold_reason,
        current_stage=case.current_stage,
        authorized_offer=case.authorized_offer,
        authorized_at=case.authorized_at,
        created_at=case.created_at,
        updated_at=case.updated_at,
        decision=DecisionRead.model_validate(decision),
        decision_ids=[d.id for d in decisions],
        summary=evidence_summary(decision),
        tasks=[TaskRead.model_validate(t) for t in tasks],
        timeline=[CaseEventRead.model_validate(e) for e in events],
    )


async def inbox_items(*, session: AsyncSession, tasks: Sequence[ApprovalTask]) -> list[InboxItemRead]:
    """Each open task with its case's status, account and the approver's evidence summary."""
    items = []
    for task in tasks:
        case = await repository.get_case(session, case_id=task.case_id)
        decision = await decisions_repository.get(session, decision_id=task.decision_id)
        assert case is not None and decision is not None
        items.append(
            InboxItemRead(
                task=TaskRead.model_validate(task),
                case_status=case.status,
                account_id=case.account_id,
                summary=evidence_summary(decision),
            )
        )
    return items
