"""What a person does from the case page: approve, reject, request changes, assign, revise.

Every action goes through the same use-cases as the API (app.approvals.actions, app.cases.revisions), so the
same authorization, separation of duties and row locks apply. A form sent twice acts once: the second
approval finds the task closed by the same person and says it was already recorded; the second revision
carries the same event id and is replayed by the decision log.
"""

import json
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from app.api.deps import ClockDep, DatabaseDep, IdPath, PolicyDep, SettingsDep
from app.api.pages.cases import case_context, visible_case
from app.api.pages.rendering import render
from app.api.pages.revise_form import read_form, to_case
from app.api.pages.routing import page_router
from app.api.pages.session import FormDep, PageUser, PageUserDep, check_csrf
from app.approvals import actions
from app.approvals.context import WorkflowContext
from app.approvals.review import TaskAction
from app.approvals.schemas import TaskActionCreate, TaskAssignCreate
from app.auth.principal import require_admin
from app.cases import reads, revisions
from app.cases.schemas import SaveCaseCreate
from app.cases.timeline import Actor
from app.clock import Clock
from app.database import Database
from app.errors import BadRequest, Conflict, Forbidden, IdempotencyConflict, InvalidField

router = page_router()

_ACTIONS = {
    "approve": (TaskAction.APPROVE, "approved", "approved"),
    "reject": (TaskAction.REJECT, "rejected", "rejected"),
    "request-changes": (TaskAction.REQUEST_CHANGES, "changes_requested", "changes_requested"),
}


@dataclass(frozen=True)
class _CasePage:
    """The case page of one request, drawn again when an action could not be done as asked."""

    request: Request
    database: Database
    clock: Clock
    user: PageUser

    async def again(self, case_id: str, *, status_code: int, **extra: Any) -> Response:
        """The case page with a problem or a form's errors, and the status that says what happened."""
        async with self.database.read() as session:
            context = await case_context(
                session, user=self.user, case_id=case_id, clock_now=self.clock.now(), form=extra.pop("form", None)
            )
        context = {**context, **extra, "user": self.user, "nav": "inbox"}
        return render(self.request, "case.html", context, status_code=status_code)

    async def task_state(self, case_id: str, task_id: str, *fields: str) -> Any:
        """What a task of a case the person sees is now (one field, or a tuple of several); None if not found."""
        async with self.database.read() as session:
            case = await visible_case(session, user=self.user, case_id=case_id, now=self.clock.now())
            read = await reads.case_read(session=session, case=case)
        task = next((t for t in read.tasks if t.id == task_id), None)
        if task is None:
            return None
        values = tuple(getattr(task, f) for f in fields)
        return values[0] if len(values) == 1 else values


def _to_case(case_id: str, notice: str, anchor: str = "") -> RedirectResponse:
    return RedirectResponse(f"/cases/{quote(case_id, safe='')}?notice={notice}{anchor}", status_code=303)


# Before the other task actions: its path would otherwise match theirs and be refused as an unknown verb.
@router.post("/tasks/{task_id}/assign", name="task_assign")
async def assign_task(
    request: Request, task_id: IdPath, form: FormDep, user: PageUserDep, database: DatabaseDep, clock: ClockDep
) -> Response:
    """An administrator gives an open task to another person (the domain checks separation of duties)."""
    check_csrf(request, form)
    page = _CasePage(request, database, clock, user)
    case_id = str(form.get("case_id", ""))[:200]
    assignee = str(form.get("assignee_id", "")).strip()
    try:
        body = TaskAssignCreate.model_validate({"assignee_id": assignee})
        admin = Actor(person_id=require_admin(user.principal), token_id=user.principal.token_id)
        async with database.write() as session:
            task = await actions.assign_task(
                session=session, task_id=task_id, assignee_id=body.assignee_id, admin=admin, now=clock.now()
            )
            case_id = task.case_id
    except ValidationError:
        errors = {task_id: {"assign": "Choose the person to assign the task to."}}
        return await page.again(case_id, status_code=400, action_errors=errors)
    except Forbidden as exc:
        errors = {task_id: {"assign": exc.message}}
        return await page.again(case_id, status_code=403, action_errors=errors)
    except Conflict as exc:
        if await page.task_state(case_id, task_id, "assignee_id") == assignee:
            return _to_case(case_id, "already_done")
        return await page.again(case_id, status_code=409, problem=exc.message)
    return _to_case(case_id, "assigned")


@router.post("/tasks/{task_id}/{verb}", name="task_action")
async def act_on_task(
    request: Request,
    task_id: IdPath,
    verb: Annotated[str, Path(pattern=r"^(approve|reject|request-changes)$")],
    form: FormDep,
    user: PageUserDep,
    database: DatabaseDep,
    policy: PolicyDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    """Approve, reject (with a reason) or request changes (with guidance) on a task."""
    check_csrf(request, form)
    page = _CasePage(request, database, clock, user)
    case_id = str(form.get("case_id", ""))[:200]
    action, done_status, notice = _ACTIONS[verb]
    try:
        body = TaskActionCreate.model_validate({"note": str(form.get("note", "")).strip() or None})
    except ValidationError as exc:
        errors = {task_id: {verb: exc.errors()[0]["msg"]}}
        return await page.again(case_id, status_code=400, action_errors=errors)
    ctx = WorkflowContext(targets=await policy.known_escalation_targets(), crm_url=settings.crm_notify_url)
    try:
        async with database.write() as session:
            case = await actions.act_on_task(
                session=session,
                task_id=task_id,
                actor_id=user.person_id,
                token_id=user.principal.token_id,
                action=action,
                note=body.note,
                now=clock.now(),
                ctx=ctx,
            )
            case_id = case.id
    except BadRequest as exc:
        errors = {task_id: {verb: exc.message}}
        return await page.again(case_id, status_code=400, action_errors=errors)
    except Forbidden as exc:
        # Not this person's task, or separation of duties: said on the case page (which has its own 403 for
        # someone with no role in the case).
        return await page.again(case_id, status_code=403, problem=exc.message)
    except Conflict as exc:
        acted = await page.task_state(case_id, task_id, "status", "acted_by")
        if acted == (done_status, user.person_id):
            return _to_case(case_id, "already_done")
        return await page.again(
            case_id,
            status_code=409,
            problem=f"This task was already acted on, so nothing was changed: {exc.message}",
        )
    return _to_case(case_id, notice)


@router.post("/cases/{case_id}/revise", name="case_revise")
async def revise_case(
    request: Request,
    case_id: IdPath,
    form: FormDep,
    user: PageUserDep,
    database: DatabaseDep,
    policy: PolicyDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> Response:
    """The owner or requester revises a paused, declined or returned case; it is decided again."""
    check_csrf(request, form)
    page = _CasePage(request, database, clock, user)
    submitted = read_form(form)
    async with database.read() as session:
        case = await visible_case(session, user=user, case_id=case_id, now=clock.now())
        current = await reads.current_decision(session=session, case=case)
        original = current.policy_input["case"]
    case_in = to_case(current=SaveCaseCreate.model_validate_json(json.dumps(original)), submitted=submitted)
    if case_in is None:
        return await page.again(case_id, status_code=400, form=submitted)
    try:
        await revisions.revise_case(
            db=database,
            policy=policy,
            clock=clock,
            case_id=case_id,
            case_in=case_in,
            raw_body=case_in.model_dump_json(exclude_none=True).encode(),
            principal=user.principal,
            crm_url=settings.crm_notify_url,
        )
    except IdempotencyConflict:
        return await page.again(
            case_id,
            status_code=409,
            problem="This revision form was already sent with other values; nothing was changed. "
            "Use the case as it is now.",
        )
    except InvalidField as exc:
        submitted.errors["form"] = exc.message
        return await page.again(case_id, status_code=400, form=submitted)
    except Conflict as exc:
        return await page.again(
            case_id,
            status_code=409,
            problem=f"The case was not revised: {exc.message}",
        )
    return _to_case(case_id, "revised", "#decision")
