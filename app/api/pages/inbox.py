"""The inbox: my open tasks and those I stand in for, overdue first."""

from collections.abc import Iterable
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from app.api.deps import ClockDep, DatabaseDep
from app.api.pages.rendering import render
from app.api.pages.routing import page_router
from app.api.pages.session import PageUserDep
from app.approvals import inbox
from app.cases import reads
from app.directory import service as directory

router = page_router()


async def names_of(session: AsyncSession, person_ids: Iterable[str | None]) -> dict[str, str]:
    """Each person's name by id, for showing who acted or waits (an unknown id is shown as itself)."""
    names: dict[str, str] = {}
    for person_id in {p for p in person_ids if p}:
        person = await directory.find_person(session=session, person_id=person_id)
        names[person_id] = person.name if person else person_id
    return names


@router.get("/inbox", name="inbox")
async def inbox_page(
    request: Request,
    user: PageUserDep,
    database: DatabaseDep,
    clock: ClockDep,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """My open tasks and those of people I stand in for, overdue first, then by due time."""
    now = clock.now()
    async with database.read() as session:
        tasks = await inbox.inbox(session=session, person_id=user.person_id, now=now)
        items = await reads.inbox_items(session=session, tasks=tasks)
        names = await names_of(session, [i.task.assignee_id for i in items])
    overdue = {i.task.id for i in items if i.task.due_at is not None and i.task.due_at <= now}
    ordered = sorted(items, key=lambda i: (i.task.id not in overdue, i.task.due_at is None, i.task.due_at or now))
    rows = [{"item": i, "overdue": i.task.id in overdue} for i in ordered]
    context = {"title": "Inbox", "nav": "inbox", "user": user, "rows": rows, "names": names, "notice": notice}
    return render(request, "inbox.html", context)
