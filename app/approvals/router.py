"""Save cases, revisions, the approver's inbox and task actions."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import intake, workflow
from app.approvals import repository as approvals_repository
from app.approvals.models import SaveCase
from app.approvals.schemas import (
    CaseEventRead,
    InboxItemRead,
    InboxRead,
    SaveCaseRead,
    TaskActionCreate,
    TaskAssignCreate,
    TaskRead,
)
from app.approvals.summary import evidence_summary
from app.auth.principal import Principal, require_admin, require_person
from app.cases.schemas import SaveCaseCreate
from app.decisions import repository as decisions_repository
from app.decisions.router import decision_response
from app.decisions.schemas import DecisionRead, ErrorRead
from app.deps import ClockDep, PolicyDep, PrincipalDep, SessionDep, SettingsDep
from app.errors import NotFound

router = APIRouter(tags=["approvals"])

_ERRORS = {
    code: {"model": ErrorRead, "description": text}
    for code, text in {
        400: "The action is missing its reason or guidance, or the revision is for another account.",
        401: "No valid API token.",
        403: "The caller may not act on this task or case.",
        404: "No such case or task (or the caller has no role in it).",
        409: "The case or task is not in a state that allows this.",
        413: "The body is larger than the configured limit.",
        503: "The policy engine or the database is unavailable.",
    }.items()
}


async def _visible_case(*, session: AsyncSession, principal: Principal, case_id: str, now) -> SaveCase:  # noqa: ANN001
    case = await approvals_repository.get_case(session, case_id=case_id)
    visible = case is not None and (
        principal.is_admin
        or principal.is_integration
        or await workflow.can_see(session=session, case=case, person_id=principal.person_id or "", now=now)
    )
    if not visible:
        # The same answer whether the case is missing or hidden: nothing leaks to outsiders.
        raise NotFound(f"No save case with id {case_id!r}.")
    assert case is not None
    return case


async def case_read(*, session: AsyncSession, case: SaveCase) -> SaveCaseRead:
    decision = await intake.current_decision(session=session, case=case)
    decisions = await decisions_repository.of_case(session, case_id=case.id)
    return SaveCaseRead(
        id=case.id,
        account_id=case.account_id,
        owner_id=case.owner_id,
        requester_id=case.requester_id,
        status=case.status,
        current_stage=case.current_stage,
        authorized_offer=case.authorized_offer,
        authorized_at=case.authorized_at,
        created_at=case.created_at,
        updated_at=case.updated_at,
        decision=DecisionRead.model_validate(decision),
        decision_ids=[d.id for d in decisions],
        summary=evidence_summary(decision),
        tasks=[TaskRead.model_validate(t) for t in await approvals_repository.tasks_of_case(session, case_id=case.id)],
        timeline=[CaseEventRead.model_validate(e) for e in await approvals_repository.events_of_case(session, case_id=case.id)],
    )


@router.get(
    "/v1/save-cases/{case_id}",
    operation_id="get_save_case",
    summary="Get a save case",
    response_model=SaveCaseRead,
    responses={code: _ERRORS[code] for code in (401, 404, 503)},
)
async def get_save_case(case_id: str, principal: PrincipalDep, session: SessionDep, clock: ClockDep) -> SaveCaseRead:
    """A case with its current decision, the approver's evidence summary, its tasks and its timeline."""
    case = await _visible_case(session=session, principal=principal, case_id=case_id, now=clock.now())
    return await case_read(session=session, case=case)


@router.post(
    "/v1/save-cases/{case_id}/revisions",
    operation_id="revise_save_case",
    summary="Revise a save case",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionRead,
    responses={200: {"model": DecisionRead, "description": "A repeated revision: the stored decision."}}
    | {code: _ERRORS[code] for code in (400, 401, 403, 404, 409, 413, 503)},
)
async def revise_save_case(
    case_id: str,
    case_in: SaveCaseCreate,
    request: Request,
    response: Response,
    principal: PrincipalDep,
    session: SessionDep,
    policy: PolicyDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> DecisionRead:
    """Resubmit a paused, declined or returned case with revised evidence or offer; it is decided again."""
    await _visible_case(session=session, principal=principal, case_id=case_id, now=clock.now())
    result = await intake.revise_case(
        session=session, policy=policy, clock=clock, case_id=case_id, case_in=case_in,
        raw_body=await request.body(), principal=principal, crm_url=settings.crm_notify_url,
    )  # fmt: skip
    return decision_response(result.decision, replay=result.replay, response=response)


@router.get(
    "/v1/approvals",
    operation_id="list_my_approvals",
    summary="List my approval tasks",
    response_model=InboxRead,
    responses={code: _ERRORS[code] for code in (401, 403, 503)},
)
async def list_my_approvals(
    principal: PrincipalDep,
    session: SessionDep,
    clock: ClockDep,
    assignee: Annotated[Literal["me"], Query(description="Whose inbox: only `me` (your tasks and those delegated to you).")] = "me",
) -> InboxRead:
    """Open tasks for the caller: their own and those of people who delegated to them."""
    person_id = require_person(principal)
    items = []
    for task in await workflow.inbox(session=session, person_id=person_id, now=clock.now()):
        case = await workflow.get_case(session=session, case_id=task.case_id)
        decision = await decisions_repository.get(session, decision_id=task.decision_id)
        assert decision is not None
        items.append(
            InboxItemRead(
                task=TaskRead.model_validate(task),
                case_status=case.status,
                account_id=case.account_id,
                summary=evidence_summary(decision),
            )
        )
    return InboxRead(items=items)


async def _act(
    *, action: str, task_id: str, body: TaskActionCreate, principal: Principal, session: AsyncSession,
    policy, clock, settings,  # noqa: ANN001
) -> SaveCaseRead:  # fmt: skip
    actor_id = require_person(principal)
    case = await intake.act_on_task(
        session=session, policy=policy, task_id=task_id, actor_id=actor_id, action=action, note=body.note,
        now=clock.now(), crm_url=settings.crm_notify_url,
    )  # fmt: skip
    return await case_read(session=session, case=case)


_ACTION_RESPONSES = {code: _ERRORS[code] for code in (400, 401, 403, 404, 409, 413, 503)}


@router.post("/v1/approvals/{task_id}/approve", operation_id="approve_task", summary="Approve a task", response_model=SaveCaseRead, responses=_ACTION_RESPONSES)
async def approve_task(
    task_id: str, body: TaskActionCreate, principal: PrincipalDep, session: SessionDep, policy: PolicyDep,
    clock: ClockDep, settings: SettingsDep,
) -> SaveCaseRead:  # fmt: skip
    """Approve your task; when the whole stage has approved, the next stage opens or the case is authorized."""
    return await _act(action="approve", task_id=task_id, body=body, principal=principal, session=session, policy=policy, clock=clock, settings=settings)


@router.post("/v1/approvals/{task_id}/reject", operation_id="reject_task", summary="Reject a task", response_model=SaveCaseRead, responses=_ACTION_RESPONSES)
async def reject_task(
    task_id: str, body: TaskActionCreate, principal: PrincipalDep, session: SessionDep, policy: PolicyDep,
    clock: ClockDep, settings: SettingsDep,
) -> SaveCaseRead:  # fmt: skip
    """Reject the offer with a reason (note); the case ends rejected."""
    return await _act(action="reject", task_id=task_id, body=body, principal=principal, session=session, policy=policy, clock=clock, settings=settings)


@router.post(
    "/v1/approvals/{task_id}/request-changes", operation_id="request_task_changes", summary="Request changes to a case",
    response_model=SaveCaseRead,
    responses=_ACTION_RESPONSES,
)  # fmt: skip
async def request_task_changes(
    task_id: str, body: TaskActionCreate, principal: PrincipalDep, session: SessionDep, policy: PolicyDep,
    clock: ClockDep, settings: SettingsDep,
) -> SaveCaseRead:  # fmt: skip
    """Send the case back to its requester with guidance (note); a revision re-decides it."""
    return await _act(action="request_changes", task_id=task_id, body=body, principal=principal, session=session, policy=policy, clock=clock, settings=settings)


@router.post("/v1/approvals/{task_id}/assign", operation_id="assign_task", summary="Assign a task", response_model=TaskRead, responses=_ACTION_RESPONSES)
async def assign_task(
    task_id: str, body: TaskAssignCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> TaskRead:
    """An administrator assigns an open task (for instance one nobody eligible could take)."""
    require_admin(principal)
    task = await workflow.assign(
        session=session, task_id=task_id, assignee_id=body.assignee_id, actor_id=principal.person_id or "", now=clock.now()
    )
    return TaskRead.model_validate(task)
