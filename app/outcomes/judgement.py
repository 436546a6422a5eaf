"""What a save attempt led to, judged from its reported facts in the order they happened.

Facts only accumulate and each figure is the earliest fact of its kind, so the
judgement is the same whatever order the reports arrived in, and a late fact
(a cancellation reported weeks after it happened) changes it as if it had come
on time. Definitions (README, "Programme metrics"):

- presented: the offer was presented, or answered (an answer implies it was presented);
- save: the customer accepted the offer and no cancellation is reported;
- confirmed save: a save with a payment or renewal at or after the end of the
  confirmation window (outcomes.confirmation_window_days after acceptance);
- lost: any cancellation.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class OutcomeKind(StrEnum):
    """A fact reported after an offer was authorized: by the CRM (the first five) or the billing system."""

    OFFER_PRESENTED = "offer_presented"
    OFFER_ACCEPTED = "offer_accepted"
    OFFER_DECLINED = "offer_declined"
    CUSTOMER_STAYED = "customer_stayed"
    CUSTOMER_CANCELLED = "customer_cancelled"
    RENEWED = "renewed"
    PAYMENT_RECEIVED = "payment_received"
    PAYMENT_PAST_DUE = "payment_past_due"
    SUBSCRIPTION_CANCELLED = "subscription_cancelled"


# Answers to the offer itself: none can happen before the offer was authorized.
OFFER_FACTS = frozenset({OutcomeKind.OFFER_PRESENTED, OutcomeKind.OFFER_ACCEPTED, OutcomeKind.OFFER_DECLINED})
_CANCELLATIONS = frozenset({OutcomeKind.CUSTOMER_CANCELLED, OutcomeKind.SUBSCRIPTION_CANCELLED})
_PAYING = frozenset({OutcomeKind.RENEWED, OutcomeKind.PAYMENT_RECEIVED})
_STAYING = _PAYING | {OutcomeKind.CUSTOMER_STAYED}


@dataclass(frozen=True, kw_only=True)
class Fact:
    kind: OutcomeKind
    occurred_at: datetime


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """The earliest time of each fact that matters, and what they add up to."""

    presented_at: datetime | None = None
    accepted_at: datetime | None = None
    offer_declined_at: datetime | None = None
    stayed_at: datetime | None = None
    lost_at: datetime | None = None
    confirmed_at: datetime | None = None

    @property
    def saved(self) -> bool:
        """A save: the customer accepted and no cancellation is reported."""
        return self.accepted_at is not None and self.lost_at is None

    @property
    def confirmed(self) -> bool:
        return self.saved and self.confirmed_at is not None


def _earliest(
    facts: Iterable[Fact], kinds: frozenset[OutcomeKind], *, since: datetime | None = None
) -> datetime | None:
    times = [f.occurred_at for f in facts if f.kind in kinds and (since is None or f.occurred_at >= since)]
    return min(times, default=None)


def judge(facts: Iterable[Fact], *, confirmation_window: timedelta) -> Outcome:
    """The outcome of a save attempt from all its facts, in whatever order they were reported."""
    facts = list(facts)
    accepted_at = _earliest(facts, frozenset({OutcomeKind.OFFER_ACCEPTED}))
    lost_at = _earliest(facts, _CANCELLATIONS)
    stayed_at = confirmed_at = None
    if accepted_at is not None:
        stayed_at = _earliest(facts, _STAYING, since=accepted_at)
        confirming = _earliest(facts, _PAYING, since=accepted_at + confirmation_window)
        # A payment after a cancellation does not confirm the save it ended.
        if confirming is not None and (lost_at is None or lost_at > confirming):
            confirmed_at = confirming
    return Outcome(
        presented_at=_earliest(facts, OFFER_FACTS),
        accepted_at=accepted_at,
        offer_declined_at=_earliest(facts, frozenset({OutcomeKind.OFFER_DECLINED})),
        stayed_at=stayed_at,
        lost_at=lost_at,
        confirmed_at=confirmed_at,
    )


class RegretReason(StrEnum):
    """Why a save should not have been made (README, "Regretted save")."""

    LOST_SOON = "lost_within_window"
    BELOW_MARGIN_FLOOR = "below_margin_floor"
    REPEAT_CONCESSIONS = "repeat_concessions"


def regret_reasons(
    *,
    outcome: Outcome,
    margin_after_pct: float | None,
    concessions_nearby: int,
    lost_within: timedelta,
    margin_floor_pct: float,
    concessions_at_or_over: int,
) -> list[RegretReason]:
    """Why an accepted offer is a regretted save; empty when it is not one (or was never accepted).

    concessions_nearby counts the account's concessions within the regret window of this
    one's authorization, this one included.
    """
    if outcome.accepted_at is None:
        return []
    reasons = []
    if outcome.lost_at is not None and outcome.lost_at - outcome.accepted_at <= lost_within:
        reasons.append(RegretReason.LOST_SOON)
    if margin_after_pct is not None and margin_after_pct < margin_floor_pct:
        reasons.append(RegretReason.BELOW_MARGIN_FLOOR)
    if concessions_nearby >= concessions_at_or_over:
        reasons.append(RegretReason.REPEAT_CONCESSIONS)
    return reasons
