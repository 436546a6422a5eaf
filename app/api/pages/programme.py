"""The programme dashboard: the programme metrics month by month, as charts with a table view each.

Each month is one call of the metrics use-case (app.programme.metrics) with the page's filters and that month
as its period, so the figures are the API's own; the filters are the metrics API's.
"""

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from app.api.deps import ClockDep, DatabaseDep
from app.api.pages.charts import Series, bar_chart, line_chart
from app.api.pages.rendering import render
from app.api.pages.routing import page_router
from app.api.pages.session import PageUserDep
from app.cases.schemas import Segment
from app.programme import metrics
from app.programme.schemas import Breakdown, ProgrammeFilter, ProgrammeRead
from app.vocabulary import OfferType, ReasonClass

router = page_router()

MAX_MONTHS = 12
_Text = Annotated[str, Query(max_length=200)]


def _months(first: date, last: date) -> list[tuple[date, date]]:
    """Calendar months from first's to last's, each cut to the period, the latest MAX_MONTHS."""
    months = []
    start = first
    while start <= last:
        following = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        months.append((start, min(following - timedelta(days=1), last)))
        start = following
    return months[-MAX_MONTHS:]


def _rates(reports: list[ProgrammeRead], pick: str) -> list[Series]:
    keys = sorted({b.key for r in reports for b in getattr(r, pick)})
    series = []
    for key in keys:
        values: list[float | None] = []
        for report in reports:
            row: Breakdown | None = next((b for b in getattr(report, pick) if b.key == key), None)
            values.append(None if row is None or row.save_rate is None else round(row.save_rate * 100, 1))
        series.append(Series(key.replace("_", " "), values))
    return series


def _rate_chart(dimension: str, labels: list[str], series: list[Series]) -> Markup:
    return line_chart(
        title=f"Save rate by {dimension}, by month",
        desc=f"Saves as a share of routed cases, one line per {dimension}.",
        series=series,
        x_labels=labels,
        x_label="Month requested",
        y_label="Save rate (%)",
        y_max=100.0,
        y_format="{:.0f}%",
    )


def _day(name: str, raw: str, errors: dict[str, str]) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        errors[name] = "Enter a date as YYYY-MM-DD."
        return None


@router.get("/programme", name="programme")
async def programme_page(
    request: Request,
    user: PageUserDep,
    database: DatabaseDep,
    clock: ClockDep,
    from_date: Annotated[str, Query(alias="from", max_length=10)] = "",
    to_date: Annotated[str, Query(alias="to", max_length=10)] = "",
    segment: _Text = "",
    reason_class: _Text = "",
    offer_type: _Text = "",
    policy_revision: _Text = "",
) -> Response:
    """Save rate by reason and offer over time, concession spend, response times and regretted saves."""
    values = {
        "from": from_date,
        "to": to_date,
        "segment": segment,
        "reason_class": reason_class,
        "offer_type": offer_type,
        "policy_revision": policy_revision.strip(),
    }
    errors: dict[str, str] = {}
    choices = {
        "segment": [s.value for s in Segment],
        "reason_class": [r.value for r in ReasonClass],
        "offer_type": [o.value for o in OfferType],
    }
    for name, allowed in choices.items():
        if values[name] and values[name] not in allowed:
            errors[name] = f"Choose one of: {', '.join(allowed)}."
    today = clock.now().date()
    last = _day("to", to_date, errors) or today
    first = _day("from", from_date, errors) or (last.replace(day=1) - timedelta(days=150)).replace(day=1)
    if first > last:
        errors["from"] = "The first day is after the last day."
    context: dict[str, Any] = {
        "title": "Programme",
        "nav": "programme",
        "user": user,
        "values": values,
        "errors": errors,
        "choices": choices,
    }
    async with database.read() as session:
        await metrics.check_reader(session=session, principal=user.principal)
        if errors:
            return render(request, "programme.html", context, status_code=400)
        base = {k: values[k] or None for k in ("segment", "reason_class", "offer_type", "policy_revision")}
        whole = await metrics.programme(session=session, flt=ProgrammeFilter(from_date=first, to_date=last, **base))
        months = _months(first, last)
        reports = [
            await metrics.programme(session=session, flt=ProgrammeFilter(from_date=a, to_date=b, **base))
            for a, b in months
        ]
    labels = [a.strftime("%b %Y") for a, _ in months]
    spend = [
        Series("Discounts", [r.discounts.total_cost for r in reports]),
        Series("Service credits", [r.credits.total_amount for r in reports]),
    ]
    times = [
        Series("Owner reply p50", [r.owner_response_time.p50_hours for r in reports]),
        Series("Owner reply p90", [r.owner_response_time.p90_hours for r in reports]),
        Series("Authorization p50", [r.time_to_authorization.p50_hours for r in reports]),
    ]
    regretted = [Series("Regretted saves", [float(r.regretted_saves.count) for r in reports])]
    by_reason, by_offer = _rates(reports, "by_reason_class"), _rates(reports, "by_offer_type")
    charts = [
        (
            "rate-reason",
            "Save rate by reason",
            by_reason,
            _rate_chart("reason class", labels, by_reason),
            "{:.1f}%",
        ),
        (
            "rate-offer",
            "Save rate by offer type",
            by_offer,
            _rate_chart("offer type", labels, by_offer),
            "{:.1f}%",
        ),
        (
            "spend",
            "Discount and credit spend",
            spend,
            bar_chart(
                title="Discount and credit spend, by month",
                desc="Accepted discounts' cost and service credits.",
                x_labels=labels,
                series=spend,
                x_label="Month requested",
                y_label="Spend (account currency)",
                value_format="{:,.0f}",
            ),
            "{:,.0f}",
        ),
        (
            "times",
            "Response and authorization times",
            times,
            bar_chart(
                title="Owner response and authorization times, by month",
                desc="Percentiles in hours.",
                x_labels=labels,
                series=times,
                x_label="Month requested",
                y_label="Hours",
                value_format="{:.1f}",
            ),
            "{:.1f} h",
        ),
        (
            "regretted",
            "Regretted saves",
            regretted,
            bar_chart(
                title="Regretted saves, by month",
                desc="Saves that should not have been made.",
                x_labels=labels,
                series=regretted,
                x_label="Month requested",
                y_label="Cases",
            ),
            "{:.0f}",
        ),
    ]
    context.update(whole=whole, charts=charts, labels=labels, first=first, last=last)
    return render(request, "programme.html", context)
