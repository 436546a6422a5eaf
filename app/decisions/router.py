"""Decide and read endpoints of the decision log."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.cases.schemas import SaveCaseCreate
from app.decisions import service
from app.decisions.repository import DecisionFilter
from app.decisions.schemas import DecisionPageRead, DecisionRead, DecisionSummaryRead, ErrorRead
from app.approvals import intake, workflow
from app.deps import ClockDep, IntegrationDep, PolicyDep, PrincipalDep, SessionDep, SettingsDep
from app.errors import BadQuery, Forbidden, NotFound
from app.policy.schemas import Outcome

router = APIRouter(tags=["decisions"])

_ERRORS = {
    400: {"model": ErrorRead, "description": "Invalid query parameters."},
    401: {"model": ErrorRead, "description": "No valid API token or webhook signature."},
    403: {"model": ErrorRead, "description": "The caller may not do this."},
    404: {"model": ErrorRead, "description": "No such decision."},
    409: {"model": ErrorRead, "description": "The event was already decided with a different body, or belongs to another case."},
    413: {"model": ErrorRead, "description": "The body is larger than the configured limit."},
    503: {"model": ErrorRead, "description": "The policy engine or the database is unavailable; no decision was made."},
}


@router.post(
    "/v1/save-cases",
    operation_id="decide_save_case",
    summary="Decide a save case",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionRead,
    responses={
        200: {"model": DecisionRead, "description": "A replayed webhook: the stored decision, marked as a replay."},
        **{code: _ERRORS[code] for code in (401, 403, 409, 413, 503)},
    },
)
async def decide_save_case(
    case: SaveCaseCreate,
    request: Request,
    response: Response,
    principal: IntegrationDep,
    session: SessionDep,
    policy: PolicyDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> DecisionRead:
    """Decide a save case reported by a CRM webhook and open its save case; a repeated event returns the stored decision."""
    if principal.webhook_source is not None and principal.webhook_source != case.source:
        raise Forbidden(f"A webhook signed for {principal.webhook_source!r} cannot report events of {case.source!r}.")
    result = await intake.decide_new_case(
        session=session, policy=policy, clock=clock, case=case, raw_body=await request.body(),
        crm_url=settings.crm_notify_url,
    )  # fmt: skip
    return decision_response(result.decision, replay=result.replay, response=response)


def decision_response(decision, *, replay: bool, response: Response) -> DecisionRead:  # noqa: ANN001 - a Decision row
    """The decision body, with Location to its case and the replay marker when it was a repeat."""
    body = DecisionRead.model_validate(decision)
    response.headers["Location"] = f"/v1/save-cases/{body.case_id}"
    if replay:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
        body.replay = True
    return body


@router.get(
    "/v1/decisions/{decision_id}",
    operation_id="get_decision",
    summary="Get a decision",
    response_model=DecisionRead,
    responses={code: _ERRORS[code] for code in (401, 404, 503)},
)
async def get_decision(decision_id: str, principal: PrincipalDep, session: SessionDep, clock: ClockDep) -> DecisionRead:
    """Return one recorded decision with the evidence the policy saw."""
    decision = await service.get(session=session, decision_id=decision_id)
    if not (principal.is_admin or principal.is_integration):
        case = await workflow.get_case(session=session, case_id=decision.case_id or "")
        if not await workflow.can_see(session=session, case=case, person_id=principal.person_id or "", now=clock.now()):
            raise NotFound(f"No decision with id {decision_id!r}.")
    return DecisionRead.model_validate(decision)


@router.get(
    "/v1/decisions",
    operation_id="list_decisions",
    summary="List decisions",
    response_model=DecisionPageRead,
    responses={code: _ERRORS[code] for code in (400, 401, 403, 503)},
)
async def list_decisions(
    principal: PrincipalDep,
    session: SessionDep,
    account_id: Annotated[str | None, Query(max_length=200)] = None,
    outcome: Outcome | None = None,
    policy_revision: Annotated[str | None, Query(max_length=200)] = None,
    decided_from: Annotated[datetime | None, Query(description="Decision time at or after (ISO 8601 with zone).")] = None,
    decided_to: Annotated[datetime | None, Query(description="Decision time before (ISO 8601 with zone).")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DecisionPageRead:
    """List recorded decisions, newest first, filtered by account, outcome, policy revision and time (admins, integrations)."""
    if not (principal.is_admin or principal.is_integration):
        raise Forbidden("Only administrators and integrations may list the decision log.")
    for name, value in (("decided_from", decided_from), ("decided_to", decided_to)):
        if value is not None and value.tzinfo is None:
            raise BadQuery(f"{name} must include a time zone, for example 2026-11-22T00:00:00Z.")
    flt = DecisionFilter(
        account_id=account_id,
        outcome=outcome.value if outcome else None,
        policy_revision=policy_revision,
        decided_from=decided_from,
        decided_to=decided_to,
    )
    rows, total = await service.list_decisions(session=session, flt=flt, limit=limit, offset=offset)
    return DecisionPageRead(
        items=[DecisionSummaryRead.model_validate(row) for row in rows], total=total, limit=limit, offset=offset
    )
