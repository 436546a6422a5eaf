"""The canonical save case a CRM webhook posts: the vocabulary of the domain brief as types.

Offer types and reason categories are the policy data's words (app.vocabulary); the rest is the CRM's.
"""

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from app.inbound import InboundModel, Instant, IntegralNumber
from app.vocabulary import OfferType, ReasonCategory

# Strict numbers and flags: a CRM that sends "84000" or "yes" gets a 422 naming
# the field instead of a silent coercion into evidence the policy trusts.
# Money is bounded (a trillion in the account's currency) so the derived figures stay finite numbers.
Amount = Annotated[float, Field(strict=True, ge=0, le=1_000_000_000_000, allow_inf_nan=False)]
Percent = Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)]
SignedPercent = Annotated[float, Field(strict=True, ge=-100, le=100, allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True, ge=0), IntegralNumber]
Flag = Annotated[bool, Field(strict=True)]
Identifier = Annotated[str, Field(strict=True, min_length=1, max_length=200)]
Text = Annotated[str, Field(strict=True, max_length=5000)]
# The reporting system: an integration token or a webhook secret is bound to one.
SourceName = Annotated[str, Field(strict=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]


class Trigger(StrEnum):
    cancellation_request = "cancellation_request"
    churn_risk = "churn_risk"
    renewal_rejected = "renewal_rejected"
    value_complaint = "value_complaint"
    price_concession_request = "price_concession_request"


class Segment(StrEnum):
    smb = "smb"
    mid_market = "mid_market"
    enterprise = "enterprise"


class IcpFit(StrEnum):
    strong = "strong"
    partial = "partial"
    poor = "poor"
    unknown = "unknown"


class Sentiment(StrEnum):
    positive = "positive"
    calm = "calm"
    neutral = "neutral"
    frustrated = "frustrated"
    angry = "angry"
    unknown = "unknown"


class Health(StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"
    unknown = "unknown"


class ContractStatus(StrEnum):
    active = "active"
    in_notice = "in_notice"
    expired = "expired"
    cancelled = "cancelled"


class _Evidence(InboundModel):
    pass


class Account(_Evidence):
    id: Identifier
    name: Text | None = None
    segment: Segment
    owner_id: Identifier | None = None
    arr: Amount | None = None
    currency: Annotated[str, Field(strict=True, pattern=r"^[A-Z]{3}$")] | None = None
    gross_margin_pct: SignedPercent | None = None
    customer_since: date | None = None
    icp_fit: IcpFit | None = None


class CustomerReason(_Evidence):
    category: ReasonCategory | None = None
    text: Text | None = None
    sentiment: Sentiment | None = None


class Risk(_Evidence):
    churn_score: Percent | None = None
    health: Health | None = None
    usage_trend_pct: Annotated[float, Field(strict=True, allow_inf_nan=False)] | None = None
    active_user_pct: Percent | None = None


class Contract(_Evidence):
    status: ContractStatus | None = None
    renewal_date: date | None = None
    term_months: Count | None = None
    auto_renew: Flag | None = None
    notice_days: Count | None = None


class ServiceHistory(_Evidence):
    open_tickets: Count | None = None
    escalations_90d: Count | None = None
    sla_breaches_90d: Count | None = None
    csat: Annotated[float, Field(strict=True, allow_inf_nan=False)] | None = None
    nps: Annotated[float, Field(strict=True, ge=-100, le=100, allow_inf_nan=False)] | None = None
    last_business_review: date | None = None


class Billing(_Evidence):
    past_due_days: Count | None = None


class ProposedOffer(_Evidence):
    type: OfferType
    discount_pct: Percent = 0
    duration_months: Annotated[int, Field(strict=True, ge=0, le=120), IntegralNumber] = 0
    credit_amount: Amount = 0
    contract_change: Flag = False
    scope_change: Flag = False
    non_standard_terms: Flag = False
    customer_facing_promise: Flag = False


class Requester(_Evidence):
    id: Identifier
    role: Identifier | None = None


class SaveCaseCreate(_Evidence):
    """A save case as the CRM reports it. Missing evidence stays missing: the policy pauses on it."""

    event_id: Identifier
    source: SourceName
    occurred_at: Instant | None = None
    trigger: Trigger
    account: Account
    customer_reason: CustomerReason = Field(default_factory=CustomerReason)
    risk: Risk | None = None
    contract: Contract | None = None
    service_history: ServiceHistory | None = None
    billing: Billing | None = None
    proposed_offer: ProposedOffer
    requested_by: Requester | None = None
    evidence_as_of: Instant | None = None
