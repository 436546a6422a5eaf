"""Evidence assembly: the facts the policy needs that the CRM does not send, derived by the domain brief's formulas."""

import math
from datetime import UTC, date, datetime

from app.cases.schemas import OfferType, SaveCaseCreate
from app.policy.schemas import DerivedFacts, PolicyInput

_SECONDS_PER_DAY = 86_400


def _whole_months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months - 1 if end.day < start.day else months


def credit_share_pct(*, case: SaveCaseCreate) -> float | None:
    """The service credit as a percentage of ARR; 0 for other offers; None when ARR is unknown or zero.

    An ARR so close to zero that the share overflows a float counts as zero: OPA cannot read Infinity.
    """
    if case.proposed_offer.type is not OfferType.service_credit:
        return 0.0
    arr = case.account.arr
    if not arr:
        return None
    share = 100 * case.proposed_offer.credit_amount / arr
    return share if math.isfinite(share) else None


def concession_pct(*, case: SaveCaseCreate) -> float | None:
    """d in the margin formula: the discount percentage, the credit's share of ARR, or 0 for offers without cost."""
    match case.proposed_offer.type:
        case OfferType.discount:
            return case.proposed_offer.discount_pct
        case OfferType.service_credit:
            return credit_share_pct(case=case)
        case _:
            return 0.0


def margin_after_offer_pct(*, case: SaveCaseCreate) -> float | None:
    """100 × (1 − (1 − gross_margin/100) / (1 − d/100)); None when an input is missing or d leaves no revenue."""
    gross_margin = case.account.gross_margin_pct
    d = concession_pct(case=case)
    if gross_margin is None or d is None or d >= 100:
        return None
    return 100 * (1 - (1 - gross_margin / 100) / (1 - d / 100))


def offer_cost(*, case: SaveCaseCreate) -> float | None:
    """A discount costs ARR / 12 × d / 100 × duration_months, a credit its amount, other offers nothing."""
    offer = case.proposed_offer
    match offer.type:
        case OfferType.discount:
            if case.account.arr is None:
                return None
            # Money, so cents; multiplying first keeps 310,000 × 22% × 12 months at exactly 68,200.
            return round(case.account.arr * offer.discount_pct * offer.duration_months / 1200, 2)
        case OfferType.service_credit:
            return offer.credit_amount
        case _:
            return 0.0


def assemble_evidence(*, case: SaveCaseCreate, decision_time: datetime) -> PolicyInput:
    """Return the policy input for a case decided at decision_time (timezone-aware)."""
    if decision_time.tzinfo is None:
        raise ValueError("decision_time must be timezone-aware")
    decision_date = decision_time.astimezone(UTC).date()
    renewal = case.contract.renewal_date if case.contract else None
    as_of = case.evidence_as_of
    since = case.account.customer_since
    derived = DerivedFacts(
        decision_time=decision_time,
        days_to_renewal=(renewal - decision_date).days if renewal else None,
        evidence_age_days=(decision_time - as_of).total_seconds() / _SECONDS_PER_DAY if as_of else None,
        tenure_months=_whole_months_between(since, decision_date) if since else None,
        credit_share_pct=credit_share_pct(case=case),
        concession_pct=concession_pct(case=case),
        margin_after_offer_pct=margin_after_offer_pct(case=case),
        offer_cost=offer_cost(case=case),
    )
    return PolicyInput(case=case, derived=derived)
