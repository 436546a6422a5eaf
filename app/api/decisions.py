"""Reads of the decision log."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import TypeAdapter, ValidationError

from app.api.deps import ClockDep, IdPath, PrincipalDep, ReadSessionDep
from app.api.errors import error_responses
from app.cases import reads
from app.decisions import service
from app.decisions.repository import DecisionFilter
from app.decisions.schemas import DecisionPageRead, DecisionRead, DecisionSummaryRead
from app.errors import BadRequest, Forbidden, NotFound
from app.inbound import NO_NUL_PATTERN, Instant
from app.policy.schemas import Outcome

router = APIRouter(tags=["decisions"])

_INSTANT_DOC = "ISO 8601 date-time with a time zone, for example 2026-11-22T00:00:00Z."
_INSTANT = TypeAdapter(Instant)


def _instant(name: str, value: str | None) -> datetime | None:
    """A filter bound, read as a body's instant is: ISO 8601 with a zone, on the calendar once moved to UTC.

    400 naming the parameter otherwise (Python's fromisoformat, used before, refused RFC 3339's lower-case
    t and z that bodies accept).
    """
    if value is None:
        return None
    try:
        return _INSTANT.validate_python(value).astimezone(UTC)
    except ValidationError as exc:
        reason = exc.errors()[0]
        if reason["type"] == "timezone_aware":
            message = f"{name} must include a time zone, for example 2026-11-22T00:00:00Z."
        elif reason["type"] == "value_error" and "range" in reason["msg"]:
            message = f"{name} is outside the supported range of dates once moved to UTC."
        else:
            message = f"{name} must be an {_INSTANT_DOC}"
        raise BadRequest(message, code="bad_query") from None


@router.get(
    "/v1/decisions/{decision_id}",
    operation_id="get_decision",
    summary="Get a decision",
    response_model=DecisionRead,
    responses=error_responses(401, 403, 404, 503),
)
async def get_decision(
    decision_id: IdPath, principal: PrincipalDep, session: ReadSessionDep, clock: ClockDep
) -> DecisionRead:
    """Return one recorded decision with the evidence the policy saw."""
    decision = await service.get(session=session, decision_id=decision_id)
    if not (principal.is_admin or principal.is_integration):
        try:
            await reads.visible_case(
                session=session, principal=principal, case_id=decision.case_id or "", now=clock.now()
            )
        except NotFound:
            raise NotFound(f"No decision with id {decision_id!r}.") from None
    return DecisionRead.model_validate(decision)


@router.get(
    "/v1/decisions",
    operation_id="list_decisions",
    summary="List decisions",
    response_model=DecisionPageRead,
    responses=error_responses(400, 401, 403, 503),
)
async def list_decisions(
    principal: PrincipalDep,
    session: ReadSessionDep,
    account_id: Annotated[str | None, Query(max_length=200, pattern=NO_NUL_PATTERN)] = None,
    outcome: Outcome | None = None,
    policy_revision: Annotated[str | None, Query(max_length=200, pattern=NO_NUL_PATTERN)] = None,
    decided_from: Annotated[
        str | None,
        Query(
            max_length=64,
            description=f"Decision time at or after: {_INSTANT_DOC}",
            json_schema_extra={"format": "date-time"},
        ),
    ] = None,
    decided_to: Annotated[
        str | None,
        Query(
            max_length=64,
            description=f"Decision time before: {_INSTANT_DOC}",
            json_schema_extra={"format": "date-time"},
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    include_total: Annotated[
        bool, Query(description="Count the matching decisions (a scan of the log: costly at millions of rows).")
    ] = False,
    cursor: Annotated[
        str | None,
        Query(
            max_length=200,
            pattern=r"^[A-Za-z0-9_-]+$",
            description="The `next_cursor` of the previous page: the next page, at the same cost at any depth.",
        ),
    ] = None,
) -> DecisionPageRead:
    """Recorded decisions, newest first, by account, outcome, policy revision and time (admins and integrations)."""
    if not (principal.is_admin or principal.is_integration):
        raise Forbidden("Only administrators and integrations may list the decision log.")
    flt = DecisionFilter(
        account_id=account_id,
        outcome=outcome.value if outcome else None,
        policy_revision=policy_revision,
        decided_from=_instant("decided_from", decided_from),
        decided_to=_instant("decided_to", decided_to),
    )
    page = await service.list_decisions(
        session=session, flt=flt, limit=limit, offset=offset, cursor=cursor, count=include_total
    )
    return DecisionPageRead(
        items=[DecisionSummaryRead.model_validate(row) for row in page.rows],
        total=page.total,
        limit=limit,
        offset=offset,
        next_cursor=page.next_cursor,
    )
