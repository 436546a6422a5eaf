"""The case page: what the customer said, why the policy routed it so, the offer and its cost, the chain."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import ClockDep, DatabaseDep, IdPath
from app.api.pages.inbox import names_of
from app.api.pages.rendering import render
from app.api.pages.revise_form import ReviseForm, revise_defaults
from app.api.pages.routing import page_router
from app.api.pages.session import PageUser, PageUserDep
from app.approvals.states import AWAITING_REQUESTER, CaseStatus, TaskKind, TaskStatus
from app.cases import reads
from app.cases.models import SaveCase
from app.cases.read_schemas import SaveCaseRead
from app.directory import service as directory
from app.errors import Forbidden, NotFound
from app.vocabulary import OfferType

router = page_router()

NO_ROLE = "You have no role in this case, so it is not shown to you (or there is no such case)."


def _stages(case: SaveCaseRead) -> list[dict[str, Any]]:
    """The current decision's chain, stage by stage, with each stage's tasks: who acted, who is waiting."""
    current = [t for t in case.tasks if t.decision_id == case.decision.id and t.kind == TaskKind.REVIEW]
    stages = []
    for stage in case.decision.decision.approval_chain:
        tasks = [t for t in current if t.stage == stage.stage]
        done = bool(tasks) and all(t.status == TaskStatus.APPROVED for t in tasks)
        if done:
            state = "done"
        elif case.status != CaseStatus.IN_REVIEW:
            state = "stopped"  # the case left review (rejected, sent back, held, expired) before this stage ended
        else:
            state = "current" if stage.stage == case.current_stage else "later"
        stages.append(
            {
                "stage": stage.stage,
                "roles": [r.value for r in stage.roles],
                "sla_hours": stage.sla_hours,
                "tasks": tasks,
                "state": state,
            }
        )
    return stages


async def visible_case(session: AsyncSession, *, user: PageUser, case_id: str, now: datetime) -> SaveCase:
    """The case through the API's visibility rule; for a person with no role in it, a 403 page."""
    try:
        return await reads.visible_case(session=session, principal=user.principal, case_id=case_id, now=now)
    except NotFound:
        raise Forbidden(NO_ROLE) from None


async def case_context(
    session: AsyncSession, *, user: PageUser, case_id: str, clock_now: datetime, form: ReviseForm | None = None
) -> dict[str, Any]:
    """Everything the case page shows, through the same reads and visibility rule as the API; 403 page otherwise."""
    case = await visible_case(session, user=user, case_id=case_id, now=clock_now)
    read = await reads.case_read(session=session, case=case)
    acting_for = await directory.acting_for(session=session, person_id=user.person_id, at=clock_now)
    actionable = [
        t
        for t in read.tasks
        if t.status == TaskStatus.OPEN
        and t.kind == TaskKind.REVIEW
        and t.stage == read.current_stage
        and t.assignee_id in acting_for
    ]
    assignable = [t for t in read.tasks if t.status == TaskStatus.OPEN and t.kind == TaskKind.REVIEW]
    may_revise = read.status in AWAITING_REQUESTER and bool(acting_for & {read.owner_id, read.requester_id})
    names = await names_of(
        session,
        [read.owner_id, read.requester_id]
        + [p for t in read.tasks for p in (t.assignee_id, t.acted_by, t.acted_on_behalf_of)]
        + [p for e in read.timeline for p in (e.actor_id, e.on_behalf_of, (e.after or {}).get("assignee_id"))],
    )
    people = await directory.list_people(session=session) if user.principal.is_admin and assignable else []
    return {
        "title": f"Case {read.summary.account.get('name') or read.account_id}",
        "case": read,
        "summary": read.summary,
        "evidence": read.decision.evidence.case,
        "document": read.decision.decision,
        "derived": read.decision.evidence.derived,
        "stages": _stages(read),
        "actionable": actionable,
        "assignable": assignable if user.principal.is_admin else [],
        "people": [p for p in people if p.active],
        "may_revise": may_revise,
        "revise": form or revise_defaults(read.decision.evidence.case),
        "offer_types": [o.value for o in OfferType],
        "names": names,
    }


@router.get("/cases/{case_id}", name="case")
async def case_page(
    request: Request,
    case_id: IdPath,
    user: PageUserDep,
    database: DatabaseDep,
    clock: ClockDep,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """One case, for the people with a role in it (403 page for anyone else)."""
    async with database.read() as session:
        context = await case_context(session, user=user, case_id=case_id, clock_now=clock.now())
    return render(request, "case.html", {**context, "user": user, "notice": notice, "nav": "inbox"})
