"""Revising a held case: its owner or requester resubmits it, it is decided again, and the chain starts over.

Like intake, it reads, asks the policy with no transaction open, then writes
under the case's row lock, checking again that nobody revised the case meanwhile.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from app.approvals import progression
from app.approvals import repository as tasks_repository
from app.approvals.states import AWAITING_REQUESTER, case_state
from app.auth.principal import Principal
from app.cases import reads, repository, timeline
from app.cases.intake import Evaluation, evaluate, record
from app.cases.models import SaveCase
from app.cases.schemas import SaveCaseCreate
from app.cases.timeline import Actor
from app.clock import Clock
from app.database import Database, retry_on_deadlock
from app.decisions import repository as decisions_repository
from app.decisions import service as decision_log
from app.decisions.models import Decision
from app.decisions.service import DecideResult
from app.directory import service as directory
from app.errors import Conflict, Forbidden, IdempotencyConflict, InvalidField
from app.policy.client import PolicyClient
from app.programme.history import account_history


def _check_identity(*, case: SaveCase, case_in: SaveCaseCreate) -> None:
    """Approvers come from system data: a revision keeps the case's account and its owner."""
    if case_in.account.id != case.account_id:
        raise InvalidField(f"A revision must be for the case's account {case.account_id!r}.", loc=("account", "id"))
    if case_in.account.owner_id != case.owner_id:
        raise InvalidField(
            f"A revision cannot change the account owner (the case's owner is {case.owner_id!r}).",
            loc=("account", "owner_id"),
        )


async def _replay(session: AsyncSession, *, case_id: str, case_in: SaveCaseCreate) -> DecideResult | None:
    """The stored decision of this revision's event, if it was decided before (409 if for another case)."""
    existing = await decisions_repository.get_by_event(session, source=case_in.source, event_id=case_in.event_id)
    if existing is None:
        return None
    if existing.case_id != case_id:
        raise IdempotencyConflict(f"Event {case_in.event_id!r} from {case_in.source!r} belongs to another case.")
    return decision_log.replay_of(existing, case=case_in)


async def _check(
    session: AsyncSession, *, case_id: str, case_in: SaveCaseCreate, principal: Principal, clock: Clock
) -> DecideResult | str:
    """The replay of this revision, or the decision the case follows now if it may be revised by this person."""
    case = await reads.visible_case(session=session, principal=principal, case_id=case_id, now=clock.now())
    if principal.person_id is None:
        raise Forbidden("Revisions are people's work: the case's owner or requester revises it with their own token.")
    replay = await _replay(session, case_id=case_id, case_in=case_in)
    if replay is not None:
        return replay
    acting_for = await directory.acting_for(session=session, person_id=principal.person_id, at=clock.now())
    if not acting_for & {case.owner_id, case.requester_id}:
        raise Forbidden("Only the case's owner or requester (or their delegate) may revise it.")
    if case.status not in AWAITING_REQUESTER:
        raise Conflict(
            f"The case is {case.status}; only a paused, declined or returned case can be revised.",
            current=case_state(case),
        )
    _check_identity(case=case, case_in=case_in)
    return case.current_decision_id


async def _apply(
    session: AsyncSession,
    *,
    case_id: str,
    seen_decision: str,
    evaluation: Evaluation,
    case_in: SaveCaseCreate,
    raw_body: bytes,
    principal: Principal,
) -> DecideResult:
    locked = await repository.lock_case(session, case_id=case_id)
    assert locked is not None
    if locked.status not in AWAITING_REQUESTER or locked.current_decision_id != seen_decision:
        # The revision that changed the case meanwhile may have been this one, resent: answer it as a replay.
        replay = await _replay(session, case_id=case_id, case_in=case_in)
        if replay is not None:
            return replay
        raise Conflict(
            "The case was revised or changed by someone else at the same moment.", current=case_state(locked)
        )
    tasks = list(await tasks_repository.tasks_of_case(session, case_id=case_id, for_update=True))

    async def redecided(decision: Decision) -> None:
        progression.supersede_open_tasks(tasks)
        actor = Actor(person_id=principal.person_id, token_id=principal.token_id)
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
        await progression.start(
            session,
            case=locked,
            decision=decision,
            tasks=tasks,
            now=decision.decision_time,
            ctx=evaluation.ctx,
            initial=False,
        )

    return await record(
        session, evaluation=evaluation, case_in=case_in, raw_body=raw_body, case_id=case_id, then=redecided
    )


async def revise_case(
    *,
    db: Database,
    policy: PolicyClient,
    clock: Clock,
    case_id: str,
    case_in: SaveCaseCreate,
    raw_body: bytes,
    principal: Principal,
    crm_url: str | None,
) -> DecideResult:
    """Re-decide a paused, declined or returned case; of two simultaneous revisions one wins, the other gets 409."""
    async with db.read() as session:
        checked = await _check(session, case_id=case_id, case_in=case_in, principal=principal, clock=clock)
        if isinstance(checked, DecideResult):
            return checked
        history = await account_history(session=session, account_id=case_in.account.id, now=clock.now())
    evaluation = await evaluate(policy=policy, clock=clock, case_in=case_in, history=history, crm_url=crm_url)
    async with db.write() as session:

        async def _attempt(session: AsyncSession) -> DecideResult:
            return await _apply(
                session,
                case_id=case_id,
                seen_decision=checked,
                evaluation=evaluation,
                case_in=case_in,
                raw_body=raw_body,
                principal=principal,
            )

        return await retry_on_deadlock(session, _attempt)
