"""Evidence assembly: the facts the policy needs that the CRM does not send, derived by the domain brief's formulas.

Which offer types cost money is the policy data's word (evidence.costed_offer_types, read through
app.vocabulary): an offer of any other type costs nothing and concedes nothing (offer_cost and
concession_pct 0). What this module owns is the formulas that price the costed types: a discount by
its percentage of ARR over its duration, a service credit by its amount. Policy data that calls a
type costed when no formula here prices it stops the service at start-up rather than price it at 0.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from fractions import Fraction
from typing import Final

from app import vocabulary
from app.cases.schemas import SaveCaseCreate
from app.policy.schemas import DerivedFacts, HistoryFacts, PolicyInput

_SECONDS_PER_DAY = 86_400

# The offer types the domain brief's formulas price, by what the customer is given.
DISCOUNT: Final = "discount"  # discount_pct off ARR for duration_months
SERVICE_CREDIT: Final = "service_credit"  # credit_amount, once
PRICED_OFFER_TYPES: Final = frozenset({DISCOUNT, SERVICE_CREDIT})

# The lowest margin after the offer reported, in percent. The formula's margin falls without bound as
# the concession nears the whole revenue, and a concession of all of it or more leaves no revenue to
# divide by: such a margin is below any floor (floors are percentages, 0 to 100), not unknown. Past this
# bound the figure would say nothing more, so it reads as the bound: a plain number that JSON, OPA and
# the decision log (JSONB keeps no float exponent: 1e+20 would read back as an integer) keep as it is.
LOWEST_MARGIN_AFTER_OFFER_PCT: Final = -1_000_000.0


def check_costed_offer_types(costed: Iterable[str]) -> None:
    """Refuse policy data that calls an offer type costed when no formula here prices it."""
    if unpriced := sorted(set(costed) - PRICED_OFFER_TYPES):
        raise vocabulary.VocabularyError(
            f"evidence.costed_offer_types lists {unpriced}, which the service has no cost formula for "
            f"(it prices {sorted(PRICED_OFFER_TYPES)}): add the formula to app/cases/evidence.py or correct the data."
        )


check_costed_offer_types(vocabulary.COSTED_OFFER_TYPES)


def _costed_type(case: SaveCaseCreate) -> str | None:
    """The offer's type when the policy data counts it as costing money; None when it costs nothing."""
    offer_type: str = case.proposed_offer.type
    if offer_type not in vocabulary.COSTED_OFFER_TYPES:
        return None
    check_costed_offer_types([offer_type])
    return offer_type


def _whole_months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months - 1 if end.day < start.day else months


def credit_share_pct(*, case: SaveCaseCreate) -> float | None:
    """The service credit as a percentage of ARR; 0 for other offers; None when ARR is unknown, zero or less.

    The credit's size, costed or not: the policy caps credits by it (credit.max_pct), and pauses the case
    when it is None rather than skip the cap. An ARR so close to zero that the share overflows a float
    counts as zero: OPA cannot read Infinity.
    """
    if case.proposed_offer.type != SERVICE_CREDIT:
        return 0.0
    arr = case.account.arr
    if arr is None or arr <= 0:
        return None
    # Exact, then rounded once: a credit of the whole ARR is 100 % of it, never 99.99999999999999 % (as
    # 100 × credit / ARR in floats is for one amount in seven), so it is capped as all of the revenue.
    try:
        return float(Fraction(100) * Fraction(case.proposed_offer.credit_amount) / Fraction(arr))
    except OverflowError:
        return None


def concession_pct(*, case: SaveCaseCreate) -> float | None:
    """d in the margin formula: the discount percentage, the credit's share of ARR, or 0 for offers without cost."""
    costed = _costed_type(case)
    if costed == DISCOUNT:
        return case.proposed_offer.discount_pct
    if costed == SERVICE_CREDIT:
        return credit_share_pct(case=case)
    return 0.0


def margin_after_offer_pct(*, case: SaveCaseCreate) -> float | None:
    """100 × (1 − (1 − gross_margin/100) / (1 − d/100)), never below LOWEST_MARGIN_AFTER_OFFER_PCT.

    None only when an input is missing (gross margin, or d: a credit on an unknown or zero ARR). A
    concession of 100 % of the revenue or more (a credit at or above the ARR, a full discount) leaves no
    revenue to divide by: its margin is below any floor, so it reads as the lowest margin, never as unknown.
    """
    gross_margin = case.account.gross_margin_pct
    d = concession_pct(case=case)
    if gross_margin is None or d is None:
        return None
    revenue_left = 1 - d / 100
    if revenue_left <= 0:
        return LOWEST_MARGIN_AFTER_OFFER_PCT
    return max(100 * (1 - (1 - gross_margin / 100) / revenue_left), LOWEST_MARGIN_AFTER_OFFER_PCT)


def offer_cost(*, case: SaveCaseCreate) -> float | None:
    """A discount costs ARR / 12 × d / 100 × duration_months, a credit its amount, offers without cost nothing."""
    offer = case.proposed_offer
    costed = _costed_type(case)
    if costed == DISCOUNT:
        if case.account.arr is None:
            return None
        # Money, so cents; multiplying first keeps 310,000 × 22% × 12 months at exactly 68,200.
        return round(case.account.arr * offer.discount_pct * offer.duration_months / 1200, 2)
    if costed == SERVICE_CREDIT:
        return offer.credit_amount
    return 0.0


def assemble_evidence(*, case: SaveCaseCreate, decision_time: datetime, history: HistoryFacts) -> PolicyInput:
    """Return the policy input for a case decided at decision_time (timezone-aware), with its account's history."""
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
    return PolicyInput(case=case, derived=derived, history=history)
