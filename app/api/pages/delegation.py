"""Out-of-office cover: a person names a delegate for a period, and ends it."""

from datetime import UTC
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from app.api.deps import ClockDep, DatabaseDep, IdPath
from app.api.pages.inbox import names_of
from app.api.pages.rendering import render
from app.api.pages.routing import page_router
from app.api.pages.session import FormDep, PageUser, PageUserDep, check_csrf
from app.clock import Clock
from app.database import Database
from app.directory import repository
from app.directory import service as directory
from app.directory.schemas import DelegationCreate
from app.errors import BadRequest, Conflict, NotFound

router = page_router()

_FIELDS = ("delegate_id", "starts_at", "ends_at")


async def _page(
    request: Request,
    *,
    user: PageUser,
    database: Database,
    clock: Clock,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str | None = None,
) -> Response:
    now = clock.now()
    async with database.read() as session:
        given = await directory.list_delegations(session=session, person_id=user.person_id)
        covering = await repository.principals_delegating_to(session, delegate_id=user.person_id, at=now)
        names = await names_of(session, [d.delegate_id for d in given] + covering)
    active = [d for d in given if d.revoked_at is None and d.ends_at > now]
    context: dict[str, Any] = {
        "title": "Out of office",
        "nav": "delegation",
        "user": user,
        "active": active,
        "past": [d for d in given if d not in active],
        "covering": covering,
        "names": names,
        "values": values or {"starts_at": now.strftime("%Y-%m-%dT%H:%M")},
        "errors": errors or {},
        "notice": notice,
    }
    return render(request, "delegation.html", context, status_code=400 if errors else 200)


@router.get("/delegation", name="delegation")
async def delegation_page(
    request: Request,
    user: PageUserDep,
    database: DatabaseDep,
    clock: ClockDep,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    """My out-of-office cover: who stands in for me, and for whom I stand in."""
    return await _page(request, user=user, database=database, clock=clock, notice=notice)


def _instant(raw: str) -> str:
    """A datetime-local value (no zone) read as UTC, the zone every page shows."""
    return raw + ":00Z" if len(raw) == 16 else raw


@router.post("/delegation")
async def set_delegation(
    request: Request, form: FormDep, user: PageUserDep, database: DatabaseDep, clock: ClockDep
) -> Response:
    """Name a delegate for a period; the same cover sent twice is set once."""
    check_csrf(request, form)
    values = {name: str(form.get(name, "")).strip() for name in _FIELDS}
    errors: dict[str, str] = {}
    try:
        body = DelegationCreate.model_validate(
            {"delegate_id": values["delegate_id"], **{k: _instant(values[k]) for k in ("starts_at", "ends_at")}}
        )
    except ValidationError as exc:
        for error in exc.errors():
            errors.setdefault(str(error["loc"][0]), error["msg"])
        return await _page(request, user=user, database=database, clock=clock, values=values, errors=errors)
    try:
        async with database.write() as session:
            existing = await directory.list_delegations(session=session, person_id=user.person_id)
            same = [
                d
                for d in existing
                if d.revoked_at is None
                and d.delegate_id == body.delegate_id
                and d.starts_at == body.starts_at.astimezone(UTC)
                and d.ends_at == body.ends_at.astimezone(UTC)
            ]
            if same:
                return RedirectResponse("/delegation?notice=already_done", status_code=303)
            await directory.create_delegation(
                session=session, person_id=user.person_id, delegation_in=body, now=clock.now()
            )
    except NotFound as exc:
        errors["delegate_id"] = exc.message
    except (BadRequest, Conflict) as exc:
        errors["delegate_id" if "delegate" in exc.message else "ends_at"] = exc.message
    if errors:
        return await _page(request, user=user, database=database, clock=clock, values=values, errors=errors)
    return RedirectResponse("/delegation?notice=delegated", status_code=303)


@router.post("/delegation/{delegation_id}/end")
async def end_delegation(
    request: Request, delegation_id: IdPath, form: FormDep, user: PageUserDep, database: DatabaseDep, clock: ClockDep
) -> Response:
    """End my cover now (only the person who gave it)."""
    check_csrf(request, form)
    async with database.write() as session:
        delegation = await repository.get_delegation(session, delegation_id=delegation_id)
        if delegation is None or delegation.person_id != user.person_id:
            raise NotFound("You have no such out-of-office cover.")
        await directory.revoke_delegation(session=session, delegation_id=delegation_id, now=clock.now())
    return RedirectResponse("/delegation?notice=delegation_ended", status_code=303)
