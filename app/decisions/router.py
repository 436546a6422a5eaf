"""Decide and read endpoints of the decision log."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from app.cases.schemas import SaveCaseCreate
from app.decisions import service
from app.decisions.repository import DecisionFilter
from app.decisions.schemas import DecisionPageRead, DecisionRead, DecisionSummaryRead, ErrorRead
from app.deps import ClockDep, PolicyDep, SessionDep
from app.errors import BadQuery
from app.policy.schemas import Outcome

router = APIRouter(tags=["decisions"])

_ERRORS = {
    400: {"model": ErrorRead, "description": "Invalid query parameters."},
    404: {"model": ErrorRead, "description": "No such decision."},
    409: {"model": ErrorRead, "description": "The event was already decided with a different body."},
    413: {"model": ErrorRead, "description": "The body is larger than the configured limit."},
    503: {"model": ErrorRead, "description": "The policy engine or the database is unavailable; no decision was made."},
}


@router.post(
    "/v1/save-cases",
    operation_id="decide_save_case",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionRead,
    responses={
        200: {"model": DecisionRead, "description": "A replayed webhook: the stored decision, marked as a replay."},
        **{code: _ERRORS[code] for code in (409, 413, 503)},
    },
)
async def decide_save_case(
    case: SaveCaseCreate, request: Request, response: Response, session: SessionDep, policy: PolicyDep, clock: ClockDep
) -> DecisionRead:
    """Decide a save case reported by a CRM webhook; a repeated event returns the stored decision."""
    result = await service.decide(
        session=session, policy=policy, clock=clock, case=case, raw_body=await request.body()
    )
    body = DecisionRead.model_validate(result.decision)
    response.headers["Location"] = f"/v1/save-cases/{body.id}"
    if result.replay:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
        body.replay = True
    return body


@router.get(
    "/v1/save-cases/{decision_id}",
    operation_id="get_save_case_decision",
    response_model=DecisionRead,
    responses={404: _ERRORS[404], 503: _ERRORS[503]},
)
async def get_save_case_decision(decision_id: str, session: SessionDep) -> DecisionRead:
    """Return one recorded decision with the evidence the policy saw."""
    return DecisionRead.model_validate(await service.get(session=session, decision_id=decision_id))


@router.get(
    "/v1/decisions",
    operation_id="list_decisions",
    response_model=DecisionPageRead,
    responses={400: _ERRORS[400], 503: _ERRORS[503]},
)
async def list_decisions(
    session: SessionDep,
    account_id: Annotated[str | None, Query(max_length=200)] = None,
    outcome: Outcome | None = None,
    policy_revision: Annotated[str | None, Query(max_length=200)] = None,
    decided_from: Annotated[datetime | None, Query(description="Decision time at or after (ISO 8601 with zone).")] = None,
    decided_to: Annotated[datetime | None, Query(description="Decision time before (ISO 8601 with zone).")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> DecisionPageRead:
    """List recorded decisions, newest first, filtered by account, outcome, policy revision and time."""
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
