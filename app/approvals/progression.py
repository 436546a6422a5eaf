"""A case through its chain: the decision's outcome starts it, and its stages open (or the case is held).

Every entry point here is called with the case row locked and its tasks read
afresh (see cases.repository.lock_case), so each check sees the latest state.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import assignment
from app.approvals.context import WorkflowContext
from app.approvals.models import ApprovalTask
from app.approvals.states import CaseStatus, TaskKind, TaskStatus, case_state, move_case, move_task
from app.approvals.tasks import open_task
from app.cases import timeline
from app.cases.models import SaveCase
from app.decisions.alternatives import nearest_option_note
from app.decisions.models import Decision
from app.directory.models import Person
from app.notifications import outbox
from app.programme import facts

OWNER_UNKNOWN = "owner_unknown"
NO_ELIGIBLE_APPROVER = "no_eligible_approver"
_HELD_FOR_OUTCOME = {
    "pause": (CaseStatus.PAUSED, TaskKind.COMPLETE_EVIDENCE),
    "decline": (CaseStatus.DECLINED, TaskKind.REVISE_OFFER),
}


def case_payload(case: SaveCase) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "account_id": case.account_id,
        "status": case.status,
        "hold_reason": case.hold_reason,
        "decision_id": case.current_decision_id,
        "authorized_offer": case.authorized_offer,
    }


def chain(decision: Decision) -> list[dict[str, Any]]:
    chain: list[dict[str, Any]] = decision.decision["approval_chain"]
    return chain


async def notify_crm(session: AsyncSession, *, case: SaveCase, ctx: WorkflowContext, now: datetime) -> None:
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
                sla_hours=chain(decision)[0]["sla_hours"],
                now=now,
                note=note,
            )
            return


async def open_stage(
    session: AsyncSession,
    *,
    case: SaveCase,
    decision: Decision,
    tasks: list[ApprovalTask],
    stage: int,
    now: datetime,
    ctx: WorkflowContext,
    people: Sequence[Person] | None = None,
) -> bool:
    """Open every role's task of a stage, or hold the case when a role has nobody eligible. True when opened."""
    spec = next(s for s in chain(decision) if s["stage"] == stage)
    chosen: list[tuple[str, str, str | None]] = []
    for role in spec["roles"]:
        # Later roles of the same stage must not go to a person chosen for an earlier one.
        taken = {person for _, person, _ in chosen}
        assignee = await assignment.choose(
            session, case=case, tasks=tasks, role=role, ctx=ctx, also_excluded=taken, people=people
        )
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
    await facts.record_decision(session, case=case, decision=decision, first=initial)
    case.updated_at = now
    case.hold_reason = None
    # A routed case reads the active directory to staff its first stage; read once, first, it also keeps
    # those people in the session, so the owner check and the assignees' notifications need no query of their own.
    people = await assignment.active_people(session) if outcome == "route" else None
    if not await assignment.is_active_person(session, person_id=case.owner_id):
        note = f"the account owner {case.owner_id!r} is not an active person in the directory"
        await _hold(session, case=case, decision=decision, reason=OWNER_UNKNOWN, note=note, now=now, initial=initial)
    elif outcome == "route":
        before = None if initial else case_state(case)
        _enter(case, CaseStatus.IN_REVIEW, initial=initial)
        case.current_stage = None
        timeline.record(session, case=case, event="opened", now=now, before=before, after=case_state(case))
        await open_stage(session, case=case, decision=decision, tasks=tasks, stage=1, now=now, ctx=ctx, people=people)
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
            sla_hours=chain(decision)[0]["sla_hours"],
            now=now,
            note=_revise_note(decision) if outcome == "decline" else None,
        )
    await notify_crm(session, case=case, ctx=ctx, now=now)


def _revise_note(decision: Decision) -> str | None:
    """What the owner of a declined offer could propose instead: a draft to weigh, never a change to the offer."""
    proposed_type: str = decision.policy_input["case"]["proposed_offer"]["type"]
    return nearest_option_note(document=decision.decision, proposed_type=proposed_type)


def supersede_open_tasks(tasks: Sequence[ApprovalTask]) -> None:
    """A re-decided case's open tasks end: the new decision's chain replaces them."""
    for task in tasks:
        if task.status == TaskStatus.OPEN:
            move_task(task, TaskStatus.SUPERSEDED)
