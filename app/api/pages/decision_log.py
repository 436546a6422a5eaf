"""The decision log: search by account, outcome, revision and time, page by cursor, open a decision."""

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from app.api.deps import ClockDep, DatabaseDep, IdPath
from app.api.pages.rendering import render
from app.api.pages.routing import page_router
from app.api.pages.session import PageUserDep
from app.cases import reads
from app.decisions import service
from app.decisions.repository import DecisionFilter
from app.decisions.schemas import DecisionRead
from app.errors import Forbidden, NotFound
from app.policy.schemas import Outcome

router = page_router()

PAGE_SIZE = 25
_Text = Annotated[str, Query(max_length=200)]


def _day(name: str, raw: str, errors: dict[str, str]) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = "Enter a date as YYYY-MM-DD."
        return None


@router.get("/decisions", name="decision_log")
async def decision_log(
    request: Request,
    user: PageUserDep,
    database: DatabaseDep,
    account_id: _Text = "",
    outcome: _Text = "",
    policy_revision: _Text = "",
    decided_from: _Text = "",
    decided_to: _Text = "",
    cursor: Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_-]+$")] = None,
) -> Response:
    """Recorded decisions, newest first (administrators, as in the API)."""
    if not user.principal.is_admin:
        raise Forbidden("The decision log is for directory administrators; a case's people see its decisions on it.")
    values = {
        "account_id": account_id.strip(),
        "outcome": outcome,
        "policy_revision": policy_revision.strip(),
        "decided_from": decided_from,
        "decided_to": decided_to,
    }
    errors: dict[str, str] = {}
    if outcome and outcome not in {o.value for o in Outcome}:
        errors["outcome"] = "Choose route, pause or decline."
    first = _day("decided_from", decided_from, errors)
    last = _day("decided_to", decided_to, errors)
    rows: list[Any] = []
    next_cursor = None
    if not errors:
        flt = DecisionFilter(
            account_id=values["account_id"] or None,
            outcome=outcome or None,
            policy_revision=values["policy_revision"] or None,
            decided_from=datetime.combine(first, time(), UTC) if first else None,
            decided_to=datetime.combine(last + timedelta(days=1), time(), UTC) if last else None,
        )
        async with database.read() as session:
            page = await service.list_decisions(
                session=session, flt=flt, limit=PAGE_SIZE, offset=0, cursor=cursor, count=False
            )
        rows, next_cursor = page.rows, page.next_cursor
    query = {k: v for k, v in values.items() if v}
    context = {
        "title": "Decision log",
        "nav": "decisions",
        "user": user,
        "values": values,
        "errors": errors,
        "rows": rows,
        "next_cursor": next_cursor,
        "query": query,
        "paged": cursor is not None,
        "outcomes": [o.value for o in Outcome],
    }
    return render(request, "decisions.html", context, status_code=400 if errors else 200)


@router.get("/decisions/{decision_id}", name="decision")
async def decision_page(
    request: Request, decision_id: IdPath, user: PageUserDep, database: DatabaseDep, clock: ClockDep
) -> Response:
    """One decision: its input, its result, every explanation and the policy revision (as the API allows)."""
    async with database.read() as session:
        decision = await service.get(session=session, decision_id=decision_id)
        if not user.principal.is_admin:
            try:
                await reads.visible_case(
                    session=session, principal=user.principal, case_id=decision.case_id or "", now=clock.now()
                )
            except NotFound:
                raise Forbidden("You have no role in this decision's case, so it is not shown to you.") from None
        read = DecisionRead.model_validate(decision)
    context = {
        "title": f"Decision {read.id}",
        "nav": "decisions",
        "user": user,
        "d": read,
        "input_json": json.dumps(read.evidence.model_dump(mode="json", exclude_none=True), indent=2),
    }
    return render(request, "decision.html", context)
