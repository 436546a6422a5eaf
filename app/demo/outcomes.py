"""What the demo's authorized offers lead to: the CRM's and the billing system's facts, drawn from one seed.

Most offers are presented; about six in ten presented offers are accepted. An
accepted offer is followed by monthly payments (discounted while a discount
runs) and a renewal when the contract renews, so a save older than the
confirmation window is confirmed; some saved customers cancel months later
(regretted saves). Many who decline cancel. Facts are reported hours (now and
then days) after they happen, and nothing happens after the end of the simulation.
"""

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final

from app.demo.plan import PlannedCase, rng_for
from app.outcomes.judgement import OutcomeKind

CRM: Final = "crm"
BILLING: Final = "billing"
_BILLING_KINDS: Final = frozenset(
    {
        OutcomeKind.RENEWED,
        OutcomeKind.PAYMENT_RECEIVED,
        OutcomeKind.PAYMENT_PAST_DUE,
        OutcomeKind.SUBSCRIPTION_CANCELLED,
    }
)
_MONTH: Final = timedelta(days=30)


@dataclass(frozen=True, kw_only=True)
class PlannedFact:
    event_id: str
    source: str
    kind: OutcomeKind
    occurred_at: datetime
    reported_at: datetime
    amount: float | None = None
    note: str | None = None


class _Facts:
    def __init__(self, rng: random.Random, *, case: PlannedCase, end: datetime) -> None:
        self.rng, self.case, self.end = rng, case, end
        self.facts: list[PlannedFact] = []

    def add(self, kind: OutcomeKind, at: datetime, *, amount: float | None = None, note: str | None = None) -> bool:
        """Plan a fact if it happens before the end; reported a little later (never after the end)."""
        if at > self.end:
            return False
        delay = timedelta(hours=self.rng.choice([0.1, 0.5, 1, 2, 4, 8, 24, 72]))
        self.facts.append(
            PlannedFact(
                event_id=f"{self.case.event_id}-{kind.value}-{len(self.facts)}",
                source=BILLING if kind in _BILLING_KINDS else CRM,
                kind=kind,
                occurred_at=at,
                reported_at=min(at + delay, self.end),
                amount=None if amount is None else round(amount, 2),
                note=note,
            )
        )
        return True


def _renewal(case: PlannedCase) -> datetime | None:
    renewal = (case.body.get("contract") or {}).get("renewal_date")
    return datetime.combine(date.fromisoformat(renewal), time(6), UTC) if renewal else None


def _accepted(f: _Facts, *, accepted: datetime) -> None:
    rng, body = f.rng, f.case.body
    offer: dict[str, Any] = body["proposed_offer"]
    arr = float(body["account"]["arr"])
    cancel_at = accepted + timedelta(days=rng.uniform(20, 260)) if rng.random() < 0.16 else None
    if rng.random() < 0.75:
        stayed = accepted + timedelta(days=rng.uniform(2, 21))
        if cancel_at is None or stayed < cancel_at:
            f.add(OutcomeKind.CUSTOMER_STAYED, stayed, note="The customer confirmed they are staying.")
    month = 1
    while (paid := accepted + month * _MONTH) <= f.end and (cancel_at is None or paid < cancel_at - _MONTH):
        discounted = offer["type"] == "discount" and month <= offer["duration_months"]
        share = 1 - offer["discount_pct"] / 100 if discounted else 1.0
        f.add(OutcomeKind.PAYMENT_RECEIVED, paid, amount=arr / 12 * share)
        month += 1
    renewal = _renewal(f.case)
    if renewal is not None and accepted < renewal and (cancel_at is None or renewal < cancel_at):
        f.add(OutcomeKind.RENEWED, renewal, amount=arr)
    if cancel_at is not None:
        if rng.random() < 0.5:
            f.add(OutcomeKind.PAYMENT_PAST_DUE, cancel_at - timedelta(days=15))
        f.add(OutcomeKind.CUSTOMER_CANCELLED, cancel_at, note="The customer cancelled after all.")
        f.add(OutcomeKind.SUBSCRIPTION_CANCELLED, cancel_at + timedelta(days=rng.uniform(0, 5)))


def plan_outcomes(*, seed: int, case: PlannedCase, authorized_at: datetime, end: datetime) -> list[PlannedFact]:
    """The facts reported about one case's authorized offer, in the order they happen."""
    f = _Facts(rng_for(seed, case.index, "outcomes"), case=case, end=end)
    rng = f.rng
    if rng.random() < 0.06:
        return []  # never presented: the owner did not get back to the customer
    presented = authorized_at + timedelta(hours=rng.uniform(2, 96))
    if not f.add(OutcomeKind.OFFER_PRESENTED, presented):
        return f.facts
    answer = rng.random()
    if answer < 0.62:
        accepted = presented + timedelta(hours=rng.uniform(6, 240))
        if f.add(OutcomeKind.OFFER_ACCEPTED, accepted):
            _accepted(f, accepted=accepted)
    elif answer < 0.88:
        declined = presented + timedelta(hours=rng.uniform(12, 240))
        if f.add(OutcomeKind.OFFER_DECLINED, declined, note="The customer turned the offer down."):
            then = rng.random()
            if then < 0.5:
                f.add(OutcomeKind.CUSTOMER_CANCELLED, declined + timedelta(days=rng.uniform(3, 45)))
            elif then < 0.75:
                f.add(OutcomeKind.CUSTOMER_STAYED, declined + timedelta(days=rng.uniform(7, 60)))
    # else: no answer yet
    return sorted(f.facts, key=lambda fact: fact.occurred_at)
