"""Outcomes: what the CRM and the billing system report after an offer was authorized."""

from typing import Any

from fastapi import APIRouter, Response, status

from app.api.deps import ClockDep, IdPath, IntegrationDep, SessionDep
from app.api.errors import error_responses
from app.outcomes import service
from app.outcomes.schemas import OutcomeEventCreate, OutcomeEventRead

router = APIRouter(tags=["outcomes"])

_STORED_FIELDS = tuple(name for name in OutcomeEventRead.model_fields if name not in {"case_status", "replay"})
_REPLAY: dict[int | str, dict[str, Any]] = {
    200: {"model": OutcomeEventRead, "description": "A resent event: the stored one, marked as a replay."}
}


@router.post(
    "/v1/save-cases/{case_id}/outcomes",
    operation_id="report_outcome",
    summary="Report an outcome of an authorized offer",
    status_code=status.HTTP_201_CREATED,
    response_model=OutcomeEventRead,
    responses=_REPLAY
    | error_responses(
        401,
        403,
        404,
        409,
        413,
        503,
        e403="The credential reports for another source, or is not an integration's.",
        e409=(
            "The case's offer was never authorized (code offer_not_authorized, with the case's state), or the "
            "event was already recorded with a different body."
        ),
    ),
)
async def report_outcome(
    case_id: IdPath,
    event: OutcomeEventCreate,
    response: Response,
    principal: IntegrationDep,
    session: SessionDep,
    clock: ClockDep,
) -> OutcomeEventRead:
    """Record that an authorized offer was presented, accepted or declined, or a later billing fact.

    Events are idempotent by source and event_id, may arrive late or out of order, and are appended to the
    case timeline; the case's status (offered, accepted, offer_declined, saved, lost) is judged from them all.
    """
    recorded = await service.record_outcome(
        session=session, case_id=case_id, event_in=event, principal=principal, now=clock.now()
    )
    stored = {name: getattr(recorded.event, name) for name in _STORED_FIELDS}
    body = OutcomeEventRead(**stored, case_status=recorded.case_status, replay=recorded.replay)
    response.headers["Location"] = f"/v1/save-cases/{case_id}"
    if recorded.replay:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    return body
