"""The programme metrics: what the save programme achieved, by reason, offer, segment and policy revision."""

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import PrincipalDep, ReadSessionDep
from app.api.errors import error_responses
from app.inbound import NO_NUL_PATTERN
from app.programme import metrics, tabular
from app.programme.schemas import ProgrammeFilter, ProgrammeRead
from app.vocabulary import OfferType, ReasonClass

router = APIRouter(tags=["programme"])

_CSV: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The figures as JSON, or as CSV (one figure per row: section, key, metric, value).",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
_Filter = Annotated[str | None, Query(max_length=200, pattern=NO_NUL_PATTERN)]


def _wants_csv(request: Request, output: str | None) -> bool:
    if output is not None:
        return output == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


@router.get(
    "/v1/metrics/programme",
    operation_id="get_programme_metrics",
    summary="Get the programme metrics",
    response_model=ProgrammeRead,
    responses=_CSV | error_responses(400, 401, 403, 503),
)
async def get_programme_metrics(
    request: Request,
    principal: PrincipalDep,
    session: ReadSessionDep,
    from_date: Annotated[date | None, Query(alias="from", description="First day of the period (UTC).")] = None,
    to_date: Annotated[date | None, Query(alias="to", description="Last day of the period (UTC), included.")] = None,
    segment: _Filter = None,
    reason_class: ReasonClass | None = None,
    offer_type: OfferType | None = None,
    policy_revision: _Filter = None,
    output: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="json or csv; without it, Accept: text/csv asks for CSV."),
    ] = None,
) -> ProgrammeRead | Response:
    """Save requests, response times, approval, acceptance and save rates, concessions, retained ARR and margin,
    regretted saves and service-caused discounts, for cases requested in the period (README defines each figure).
    """
    await metrics.check_reader(session=session, principal=principal)
    flt = ProgrammeFilter(
        from_date=from_date,
        to_date=to_date,
        segment=segment,
        reason_class=reason_class.value if reason_class else None,
        offer_type=offer_type.value if offer_type else None,
        policy_revision=policy_revision,
    )
    report = await metrics.programme(session=session, flt=flt)
    if _wants_csv(request, output):
        return Response(content=tabular.to_csv(report), media_type="text/csv; charset=utf-8")
    return report
