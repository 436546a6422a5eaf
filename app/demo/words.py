"""What the demo's customers say and what their owners propose: one scenario per reason, with its words.

Each text names one reason class only by the policy data's keywords
(classification.keywords), so the policy classifies it as intended when the CRM
sends no category; the unclear texts name none. The offers are mostly the save
options the policy approves for the reason, with a few it declines (a discount
where the cause was service, a pause that is too long), as real requests have.
"""

from dataclasses import dataclass
from typing import Final

from app.vocabulary import UNKNOWN_CATEGORY, OfferType, ReasonCategory


@dataclass(frozen=True, kw_only=True)
class Scenario:
    reason: str | None  # the reason class, None when the customer gives none
    weight: int
    example: str  # the canonical example the case starts from (examples/save-case-NAME.json)
    triggers: tuple[str, ...]
    texts: tuple[str, ...]
    sentiments: tuple[str, ...]
    offers: dict[str, int]  # offer type -> weight


SCENARIOS: Final = (
    Scenario(
        reason="price",
        weight=25,
        example="price-discount",
        triggers=("price_concession_request", "renewal_rejected", "cancellation_request"),
        texts=(
            "The renewal quote is 18% above last year and procurement will not sign it.",
            "Our budget was cut and the new pricing is too expensive for us.",
            "A competitor offered us something cheaper.",
            "We cannot afford the price increase at renewal.",
        ),
        sentiments=("calm", "neutral", "frustrated"),
        offers={"discount": 80, "plan_change": 15, "none": 5},
    ),
    Scenario(
        reason="service",
        weight=20,
        example="service-recovery",
        triggers=("cancellation_request", "churn_risk", "renewal_rejected"),
        texts=(
            "Our weekly reports were delivered late three months in a row and support took days to answer.",
            "Two outages this quarter and our tickets sit unanswered for a week.",
            "The export is broken and support is unresponsive.",
            "Too many bugs since the last release, and the SLA was missed again.",
        ),
        sentiments=("frustrated", "neutral", "calm"),
        offers={"service_credit": 70, "re_onboarding": 20, "discount": 6, "none": 4},
    ),
    Scenario(
        reason="value",
        weight=17,
        example="pause-unclear",
        triggers=("value_complaint", "churn_risk", "cancellation_request"),
        texts=(
            "We barely use it; adoption never took off after the first team left.",
            "Low usage across the team; we are not sure it is worth it.",
            "We do not see the return on investment any more.",
        ),
        sentiments=("neutral", "calm", "frustrated"),
        offers={"re_onboarding": 35, "discount": 25, "service_credit": 15, "plan_change": 15, "pause": 10},
    ),
    Scenario(
        reason="timing",
        weight=10,
        example="price-discount",
        triggers=("cancellation_request", "renewal_rejected"),
        texts=(
            "We are in a hiring freeze until next quarter.",
            "A merger is under way; we need to revisit this next year.",
            "Spending freeze after the reorg; not now.",
        ),
        sentiments=("calm", "neutral"),
        offers={"pause": 50, "extension": 25, "plan_change": 25},
    ),
    Scenario(
        reason="fit",
        weight=8,
        example="price-discount",
        triggers=("cancellation_request", "renewal_rejected", "churn_risk"),
        texts=(
            "A missing feature blocks our main use case.",
            "We have outgrown the product and need enterprise reporting.",
            "The product does not fit our new requirements.",
        ),
        sentiments=("calm", "neutral"),
        offers={"plan_change": 70, "none": 20, "discount": 10},
    ),
    Scenario(
        reason="relationship",
        weight=7,
        example="service-recovery",
        triggers=("cancellation_request", "churn_risk"),
        texts=(
            "Nobody called us back after our sponsor left.",
            "We lost trust in the account manager after the last renewal.",
            "Our champion moved on and communication has been poor.",
        ),
        sentiments=("frustrated", "neutral"),
        offers={"re_onboarding": 70, "none": 30},
    ),
    Scenario(
        reason=None,
        weight=8,
        example="pause-unclear",
        triggers=("churn_risk", "cancellation_request"),
        texts=("Thinking about our options.", "We are reviewing all our vendors this year.", "No comment."),
        sentiments=("unknown", "neutral"),
        offers={"discount": 50, "re_onboarding": 50},
    ),
    Scenario(
        reason="service",
        weight=5,
        example="service-recovery",
        triggers=("cancellation_request",),
        texts=("Support did not answer three tickets in a row. Cancel everything, now.",),
        sentiments=("angry",),
        offers={"service_credit": 100},
    ),
)

# The words are the policy data's: a word the data no longer has stops the demo here, naming it.
for _scenario in SCENARIOS:
    ReasonCategory(_scenario.reason or UNKNOWN_CATEGORY)
    for _offer in _scenario.offers:
        OfferType(_offer)

_NAMES: Final = (
    "Northwind", "Contoso", "Fabrikam", "Tailspin", "Adatum", "Litware", "Proseware", "Wingtip", "Woodgrove", "Alpine",
    "Blue Yonder", "Coho", "Fourth Coffee", "Lucerne", "Relecloud", "Trey", "Wide World", "Humongous", "Munson",
    "Bellows",
)  # fmt: skip
_KINDS: Final = ("Logistics", "Health", "Studio", "Foods", "Bank", "Travel", "Labs", "Systems", "Retail", "Energy")


def company_name(index: int) -> str:
    """A distinct company name for each of the first 200 accounts (then numbered)."""
    name = f"{_NAMES[index % len(_NAMES)]} {_KINDS[index // len(_NAMES) % len(_KINDS)]}"
    return name if index < len(_NAMES) * len(_KINDS) else f"{name} {index // (len(_NAMES) * len(_KINDS)) + 1}"
