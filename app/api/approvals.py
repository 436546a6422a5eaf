"""The approver's inbox and the actions on tasks."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.api.deps import ClockDep, DatabaseDep, IdPath, PolicyDep, PrincipalDep, ReadSessionDep, SessionDep, SettingsDep
from app.api.errors import error_responses
from app.approvals import actions, inbox
from app.approvals.context import WorkflowContext
from app.approvals.review import TaskAction
from app.approvals.schemas import InboxRead, TaskActionCreate, TaskAssignCreate, TaskRead
from app.auth.principal import require_admin, require_person
from app.cases import reads
from app.cases.read_schemas import SaveCaseRead
from app.cases.timeline import Actor

router = APIRouter(tags=["approvals"])

_ACTION_RESPONSES = error_responses(
    400,
    401,
    403,
    404,
    409,
    413,
    503,
    e400="A rejection needs a reason and a change request needs guidance (note).",
    e403=(
        "Not your task, the requester's own case, or separation of duties (you take part in another task of this case)."
    ),
    e409=(
        "The task or case is no longer in a state that allows this (someone acted first); the body says what it is now."
    ),
)


@router.get(
    "/v1/approvals",
    operation_id="list_my_approvals",
    summary="List my approval tasks",
    response_model=InboxRead,
    responses=error_responses(401, 403, 503),
)
async def list_my_approvals(
    principal: PrincipalDep,
    session: ReadSessionDep,
    clock: ClockDep,
    assignee: Annotated[
        Literal["me"], Query(description="Whose inbox: only `me` (your tasks and those delegated to you).")
    ] = "me",
) -> InboxRead:
    """Open tasks for the caller: their own and those of people who delegated to them."""
    person_id = require_person(principal)
    tasks = await inbox.inbox(session=session, person_id=person_id, now=clock.now())
    return InboxRead(items=await reads.inbox_items(session=session, tasks=tasks))


def _action_route(action: TaskAction, *, path: str, operation_id: str, summary: str, doc: str) -> None:
    """One route per action, all applied by the same use-case; only the action and the words differ."""

    async def act(
        task_id: IdPath,
        body: TaskActionCreate,
        principal: PrincipalDep,
        database: DatabaseDep,
        policy: PolicyDep,
        clock: ClockDep,
        settings: SettingsDep,
    ) -> SaveCaseRead:
        actor_id = require_person(principal)
        # Asked before the transaction opens: no lock or writer turn waits on OPA.
        ctx = WorkflowContext(targets=await policy.known_escalation_targets(), crm_url=settings.crm_notify_url)
        async with database.write() as session:
            case = await actions.act_on_task(
                session=session,
                task_id=task_id,
                actor_id=actor_id,
                token_id=principal.token_id,
                action=action,
                note=body.note,
                now=clock.now(),
                ctx=ctx,
            )
            return await reads.case_read(session=session, case=case)

    act.__doc__ = doc
    act.__name__ = operation_id
    router.add_api_route(
        path,
        act,
        methods=["POST"],
        operation_id=operation_id,
        summary=summary,
        response_model=SaveCaseRead,
        responses=_ACTION_RESPONSES,
    )


_action_route(
    TaskAction.APPROVE,
    path="/v1/approvals/{task_id}/approve",
    operation_id="approve_task",
    summary="Approve a task",
    doc="Approve your task; when the whole stage has approved, the next stage opens or the case is authorized.",
)
_action_route(
    TaskAction.REJECT,
    path="/v1/approvals/{task_id}/reject",
    operation_id="reject_task",
    summary="Reject a task",
    doc="Reject the offer with a reason (note); the case ends rejected.",
)
_action_route(
    TaskAction.REQUEST_CHANGES,
    path="/v1/approvals/{task_id}/request-changes",
    operation_id="request_task_changes",
    summary="Request changes to a case",
    doc="Send the case back to its requester with guidance (note); a revision re-decides it.",
)


@router.post(
    "/v1/approvals/{task_id}/assign",
    operation_id="assign_task",
    summary="Assign a task",
    response_model=TaskRead,
    responses=error_responses(401, 403, 404, 409, 413, 503),
)
async def assign_task(
    task_id: IdPath, body: TaskAssignCreate, principal: PrincipalDep, session: SessionDep, clock: ClockDep
) -> TaskRead:
    """An administrator gives an open task to another person, under the same separation of duties."""
    admin = Actor(person_id=require_admin(principal), token_id=principal.token_id)
    task = await actions.assign_task(
        session=session, task_id=task_id, assignee_id=body.assignee_id, admin=admin, now=clock.now()
    )
    return TaskRead.model_validate(task)
