"""Save cases: a CRM reports one (decide), people read it and revise it."""

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Request, Response, status

from app.api.deps import (
    ClockDep,
    DatabaseDep,
    IdPath,
    IntegrationDep,
    PolicyDep,
    PrincipalDep,
    ReadSessionDep,
    SettingsDep,
)
from app.api.errors import error_responses
from app.cases import intake, reads, revisions
from app.cases.read_schemas import SaveCaseRead
from app.cases.schemas import SaveCaseCreate
from app.decisions.models import Decision
from app.decisions.schemas import DecisionRead

router = APIRouter(tags=["save cases"])

_REPLAY_DECIDE: dict[int | str, dict[str, Any]] = {
    200: {"model": DecisionRead, "description": "A replayed webhook: the stored decision, marked as a replay."}
}
_REPLAY_REVISION: dict[int | str, dict[str, Any]] = {
    200: {"model": DecisionRead, "description": "A repeated revision: the stored decision."}
}


def shadow_after_response(request: Request, background: BackgroundTasks, decision: Decision, *, replay: bool) -> None:
    """In shadow mode, have the shadow release decide the same input once the response is sent (app.shadow)."""
    shadow = getattr(request.app.state, "shadow", None)
    if shadow is None or replay:
        return

    async def submit() -> None:
        # Async, so Starlette runs it on the event loop after the response, where submit() schedules its task.
        shadow.submit(decision.id, decision.policy_input)

    background.add_task(submit)


def decision_response(decision: Decision, *, replay: bool, response: Response) -> DecisionRead:
    """The decision body, with Location to its case and the replay marker when it was a repeat."""
    body = DecisionRead.model_validate(decision)
    response.headers["Location"] = f"/v1/save-cases/{body.case_id}"
    if replay:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
        body.replay = True
    return body


@router.post(
    "/v1/save-cases",
    operation_id="decide_save_case",
    summary="Decide a save case",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionRead,
    responses=_REPLAY_DECIDE
    | error_responses(
        401,
        403,
        409,
        413,
        503,
        e403="The credential reports for another CRM source, or is not an integration's.",
        e409="The event was already decided with a different body.",
    ),
)
async def decide_save_case(
    case: SaveCaseCreate,
    request: Request,
    response: Response,
    principal: IntegrationDep,
    database: DatabaseDep,
    policy: PolicyDep,
    clock: ClockDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> DecisionRead:
    """Decide a save case reported by a CRM webhook and open its save case.

    A repeated event returns the stored decision.
    """
    result = await intake.decide_new_case(
        db=database,
        policy=policy,
        clock=clock,
        case_in=case,
        raw_body=await request.body(),
        principal=principal,
        crm_url=settings.crm_notify_url,
    )
    shadow_after_response(request, background, result.decision, replay=result.replay)
    return decision_response(result.decision, replay=result.replay, response=response)


@router.get(
    "/v1/save-cases/{case_id}",
    operation_id="get_save_case",
    summary="Get a save case",
    response_model=SaveCaseRead,
    responses=error_responses(401, 403, 404, 503),
)
async def get_save_case(
    case_id: IdPath, principal: PrincipalDep, session: ReadSessionDep, clock: ClockDep
) -> SaveCaseRead:
    """A case with its current decision, the approver's evidence summary, its tasks and its timeline."""
    case = await reads.visible_case(session=session, principal=principal, case_id=case_id, now=clock.now())
    return await reads.case_read(session=session, case=case)


@router.post(
    "/v1/save-cases/{case_id}/revisions",
    operation_id="revise_save_case",
    summary="Revise a save case",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionRead,
    responses=_REPLAY_REVISION
    | error_responses(
        401,
        403,
        404,
        409,
        413,
        503,
        e403="Only the case's owner or requester (or their delegate) revises it, with their own token.",
        e409="The case is not awaiting a revision, or another revision won; the body says what the case is now.",
    ),
)
async def revise_save_case(
    case_id: IdPath,
    case_in: SaveCaseCreate,
    request: Request,
    response: Response,
    principal: PrincipalDep,
    database: DatabaseDep,
    policy: PolicyDep,
    clock: ClockDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> DecisionRead:
    """Resubmit a paused, declined or returned case with revised evidence or offer; it is decided again.

    The account and its owner come from the case and cannot be changed by a revision (422 naming the field).
    """
    result = await revisions.revise_case(
        db=database,
        policy=policy,
        clock=clock,
        case_id=case_id,
        case_in=case_in,
        raw_body=await request.body(),
        principal=principal,
        crm_url=settings.crm_notify_url,
    )
    shadow_after_response(request, background, result.decision, replay=result.replay)
    return decision_response(result.decision, replay=result.replay, response=response)
