"""Keeping each case's programme facts current: written in the transaction of the change they record.

Called by the workflow (a decision, the owner's first action, the authorization) and by
the outcomes (each reported fact). Regret depends on the account's other concessions, so
a change to one authorized case re-judges the account's other authorized cases too.
"""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.models import SaveCase
from app.decisions.models import Decision
from app.outcomes.judgement import Outcome, regret_reasons
from app.policy.schemas import Outcome as DecisionOutcome
from app.programme import repository
from app.programme.models import CaseFacts
from app.programme.rules import RULES
from app.vocabulary import CONCESSION_TYPES


def _apply_decision(facts: CaseFacts, *, decision: Decision) -> None:
    evidence = decision.policy_input["case"]
    derived = decision.policy_input["derived"]
    offer = evidence["proposed_offer"]
    facts.account_id = decision.account_id
    facts.segment = evidence["account"]["segment"]
    facts.reason_class = decision.decision["reason_class"]
    facts.offer_type = offer["type"]
    facts.policy_revision = decision.policy_revision
    facts.outcome = decision.outcome
    facts.concession = offer["type"] in CONCESSION_TYPES
    facts.arr = evidence["account"].get("arr")
    facts.discount_pct = offer.get("discount_pct", 0)
    facts.duration_months = offer.get("duration_months", 0)
    facts.credit_amount = offer.get("credit_amount", 0)
    facts.offer_cost = derived.get("offer_cost")
    facts.margin_after_pct = derived.get("margin_after_offer_pct")
    if decision.outcome == DecisionOutcome.route and facts.routed_at is None:
        facts.routed_at = decision.decision_time


def _new_facts(session: AsyncSession, *, case: SaveCase, decision: Decision) -> CaseFacts:
    facts = CaseFacts(
        case=case, case_id=case.id, requested_at=case.created_at, saved=False, confirmed=False, regretted=False
    )
    _apply_decision(facts, decision=decision)
    repository.add(session, facts)
    return facts


async def _facts(session: AsyncSession, *, case: SaveCase, decision: Decision) -> CaseFacts:
    """The case's facts row; built from its current decision when missing (a case older than the table)."""
    facts = await repository.get(session, case_id=case.id)
    return facts if facts is not None else _new_facts(session, case=case, decision=decision)


async def record_decision(session: AsyncSession, *, case: SaveCase, decision: Decision, first: bool) -> None:
    """A decision became the case's current one: its first (a new row, nothing to look up), or a revision's."""
    if first:
        _new_facts(session, case=case, decision=decision)
    else:
        _apply_decision(await _facts(session, case=case, decision=decision), decision=decision)


async def record_owner_action(session: AsyncSession, *, case: SaveCase, decision: Decision, at: datetime) -> None:
    """The account owner acted on a review task: the first such action sets the owner response time."""
    facts = await _facts(session, case=case, decision=decision)
    if facts.owner_response_seconds is None and facts.routed_at is not None:
        facts.owner_response_seconds = (at - facts.routed_at).total_seconds()


async def record_authorization(session: AsyncSession, *, case: SaveCase, decision: Decision, at: datetime) -> None:
    """The last approval authorized the offer of this decision."""
    facts = await _facts(session, case=case, decision=decision)
    facts.authorized_at = at
    facts.authorization_seconds = (at - decision.decision_time).total_seconds()
    await _judge_account(session, account_id=facts.account_id)


async def record_outcome(session: AsyncSession, *, case: SaveCase, decision: Decision, outcome: Outcome) -> None:
    """What the reported facts now add up to."""
    facts = await _facts(session, case=case, decision=decision)
    facts.presented_at = outcome.presented_at
    facts.accepted_at = outcome.accepted_at
    facts.offer_declined_at = outcome.offer_declined_at
    facts.stayed_at = outcome.stayed_at
    facts.lost_at = outcome.lost_at
    facts.confirmed_at = outcome.confirmed_at
    facts.saved = outcome.saved
    facts.confirmed = outcome.confirmed
    await _judge_account(session, account_id=facts.account_id)


def given(facts: CaseFacts) -> bool:
    """An authorized concession the customer did not turn down: it counts against the account."""
    declined_only = facts.offer_declined_at is not None and facts.accepted_at is None
    return facts.concession and facts.authorized_at is not None and not declined_only


def _outcome_of(facts: CaseFacts) -> Outcome:
    return Outcome(
        presented_at=facts.presented_at,
        accepted_at=facts.accepted_at,
        offer_declined_at=facts.offer_declined_at,
        stayed_at=facts.stayed_at,
        lost_at=facts.lost_at,
        confirmed_at=facts.confirmed_at,
    )


def _nearby(facts: CaseFacts, concessions: Iterable[CaseFacts]) -> int:
    assert facts.authorized_at is not None
    return sum(
        1
        for other in concessions
        if other.authorized_at is not None
        and abs(other.authorized_at - facts.authorized_at) <= RULES.regret_concessions_within
    )


async def _judge_account(session: AsyncSession, *, account_id: str) -> None:
    """Re-judge whether each authorized save of the account is regretted (one account's few rows)."""
    authorized = await repository.authorized_of_account(session, account_id=account_id)
    concessions = [f for f in authorized if given(f)]
    for facts in authorized:
        reasons = regret_reasons(
            outcome=_outcome_of(facts),
            margin_after_pct=facts.margin_after_pct,
            concessions_nearby=_nearby(facts, concessions) if given(facts) else 0,
            lost_within=RULES.regret_lost_within,
            margin_floor_pct=RULES.margin_floor_pct,
            concessions_at_or_over=RULES.regret_concessions_at_or_over,
        )
        facts.regretted = bool(reasons)
        facts.regret_reasons = ",".join(reasons) or None
