"""The programme metrics as the API returns them (README, "Programme metrics", defines each figure)."""

from datetime import date, datetime

from pydantic import BaseModel

from app.outcomes.judgement import RegretReason


class ProgrammeFilter(BaseModel):
    """Which cases are measured: requested in the period (UTC days, both included) and matching each filter."""

    from_date: date | None = None
    to_date: date | None = None
    segment: str | None = None
    reason_class: str | None = None
    offer_type: str | None = None
    policy_revision: str | None = None


class Rate(BaseModel):
    """numerator ÷ denominator; rate is null when the denominator is 0."""

    numerator: int
    denominator: int
    rate: float | None


class Percentiles(BaseModel):
    """Nearest-rank percentiles, in hours, of the cases that have the duration."""

    count: int
    p50_hours: float | None
    p90_hours: float | None


class ReasonShare(BaseModel):
    reason_class: str
    count: int
    share: float


class Breakdown(BaseModel):
    """The save funnel of the cases with one value of a dimension."""

    key: str
    save_requests: int
    routed: int
    authorized: int
    saves: int
    confirmed_saves: int
    save_rate: float | None
    confirmed_save_rate: float | None


class Discounts(BaseModel):
    """Discounts the customers accepted."""

    count: int
    average_pct: float | None
    total_cost: float


class Credits(BaseModel):
    """Service credits the customers accepted."""

    count: int
    total_amount: float


class RegrettedSave(BaseModel):
    case_id: str
    account_id: str
    reason_class: str
    offer_type: str
    segment: str
    policy_revision: str
    reasons: list[RegretReason]
    accepted_at: datetime | None
    lost_at: datetime | None
    margin_after_pct: float | None


class RegrettedSaves(BaseModel):
    count: int
    # The newest first, at most 100; count is all of them.
    cases: list[RegrettedSave]


class ServiceCauseDiscounts(BaseModel):
    """Saves bought with a discount where the cause was service: any count above zero is a finding."""

    count: int
    finding: bool


class ProgrammeRead(BaseModel):
    filters: ProgrammeFilter
    save_requests: int
    reason_mix: list[ReasonShare]
    owner_response_time: Percentiles
    time_to_authorization: Percentiles
    offer_approval_rate: Rate
    offer_acceptance_rate: Rate
    save_rate: Rate
    confirmed_save_rate: Rate
    by_reason_class: list[Breakdown]
    by_offer_type: list[Breakdown]
    by_segment: list[Breakdown]
    by_policy_revision: list[Breakdown]
    discounts: Discounts
    credits: Credits
    retained_arr: float
    retained_margin: float
    regretted_saves: RegrettedSaves
    discount_where_cause_was_service: ServiceCauseDiscounts
