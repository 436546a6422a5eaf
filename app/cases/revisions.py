"""Revising a held case: its owner or requester resubmits it, it is decided again, and the chain starts over."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import progression
from app.approvals import repository as tasks_repository
from app.approvals.context import context_for
from app.approvals.states import AWAITING_REQUESTER, case_state
from app.auth.principal import Principal
from app.cases import repository, timeline
from app.cases.intake import evaluate
from app.cases.models import SaveCase
from app.cases.schemas import SaveCaseCreate
from app.cases.timeline import Actor
from app.clock import Clock
from app.database import retry_on_deadlock
from app.decisions import repository as decisions_repository
from app.decisions import service as decision_log
from app.decisions.service import DecideResult
from app.directory import service as directory
from app.errors import Conflict, Forbidden, IdempotencyConflict, InvalidField, NotFound
from app.policy.client import PolicyClient


def _check_identity(*, case: SaveCase, case_in: SaveCaseCreate) -> None:
    """Approvers come from system data: a revision keeps the case's account and its owner."""
    if case_in.account.id != case.account_id:
        raise InvalidField(f"A revision must be for the case's account {case.account_id!r}.", loc=("account", "id"))
    if case_in.account.owner_id != case.owner_id:
        raise InvalidField(
            f"A revision cannot change the account owner (the case's owner is {case.owner_id!r}).",
            loc=("account", "owner_id"),
        )


async def revise_case(
    *,
    session: AsyncSession,
    policy: PolicyClient,
    clock: Clock,
    case_id: str,
    case_in: SaveCaseCreate,
    raw_body: bytes,
    principal: Principal,
    crm_url: str | None,
) -> DecideResult:
    """Re-decide a paused, declined or returned case; of two simultaneous revisions one wins, the other gets 409."""
    if principal.person_id is None:
        raise Forbidden("Revisions are people's work: the case's owner or requester revises it with their own token.")
    person_id = principal.person_id
    case = await repository.get_case(session, case_id=case_id)
    if case is None:
        raise NotFound(f"No save case with id {case_id!r}.")
    existing = await decisions_repository.get_by_event(session, source=case_in.source, event_id=case_in.event_id)
    if existing is not None:
        if existing.case_id != case_id:
            raise IdempotencyConflict(f"Event {case_in.event_id!r} from {case_in.source!r} belongs to another case.")
        replay = await decision_log.find_replay(session=session, case=case_in)
        assert replay is not None
        return replay
    now = clock.now()
    acting_for = await directory.acting_for(session=session, person_id=person_id, at=now)
    if not acting_for & {case.owner_id, case.requester_id}:
        raise Forbidden("Only the case's owner or requester (or their delegate) may revise it.")
    if case.status not in AWAITING_REQUESTER:
        raise Conflict(
            f"The case is {case.status}; only a paused, declined or returned case can be revised.",
            current=case_state(case),
        )
    _check_identity(case=case, case_in=case_in)
    seen_decision = case.current_decision_id

    async def _apply(session: AsyncSession) -> DecideResult:
        # The policy is asked first, with no lock held; the case is then locked and checked again.
        result = await evaluate(
            session=session, policy=policy, clock=clock, case_in=case_in, raw_body=raw_body, case_id=case_id
        )
        if result.replay:
            return result
        locked = await repository.lock_case(session, case_id=case_id)
        assert locked is not None
        if locked.status not in AWAITING_REQUESTER or locked.current_decision_id != seen_decision:
            raise Conflict(
                "The case was revised or changed by someone else at the same moment.", current=case_state(locked)
            )
        decision = result.decision
        tasks = list(await tasks_repository.tasks_of_case(session, case_id=case_id, for_update=True))
        progression.supersede_open_tasks(tasks)
        actor = Actor(person_id=person_id, token_id=principal.token_id)
        after = {"decision_id": decision.id, "outcome": decision.decision["outcome"]}
        timeline.record(
            session,
            case=locked,
            event="redecided",
            now=decision.decision_time,
            actor=actor,
            before=case_state(locked),
            after=after,
        )
        locked.renewal_date = (decision.policy_input["case"].get("contract") or {}).get("renewal_date")
        ctx = await context_for(targets=policy, revision=decision.policy_revision, crm_url=crm_url)
        await progression.start(
            session, case=locked, decision=decision, tasks=tasks, now=decision.decision_time, ctx=ctx, initial=False
        )
        return result

    return await retry_on_deadlock(session, _apply)
