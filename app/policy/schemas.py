"""The policy's input and its decision document: one model each, used by everything that touches them.

Roles, reason classes and discount tiers are the policy data's words (app.vocabulary).
"""

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Final, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from app.cases.schemas import ProposedOffer, SaveCaseCreate
from app.vocabulary import DiscountTier, OfferType, ReasonClass, Role


class DerivedFacts(BaseModel):
    """Facts derived from the case at decision time (policies/schemas/input.schema.json, "derived")."""

    model_config = ConfigDict(extra="forbid")

    decision_time: AwareDatetime
    days_to_renewal: int | None
    evidence_age_days: float | None
    tenure_months: int | None
    credit_share_pct: float | None
    concession_pct: float | None
    margin_after_offer_pct: float | None
    offer_cost: float | None


class ConcessionsInWindow(BaseModel):
    """The account's concessions authorized (and not declined by the customer) in the history window."""

    model_config = ConfigDict(extra="forbid")

    count: Annotated[int, Field(ge=0)]
    total_cost: Annotated[float, Field(ge=0)]
    last_authorized_at: AwareDatetime | None


class DiscountRunning(BaseModel):
    """Whether a discount given earlier still runs, and the day it ends."""

    model_config = ConfigDict(extra="forbid")

    running: bool
    ends_on: date | None


class HistoryFacts(BaseModel):
    """The account's history from the service's own records (policy_schemas/input.schema.json, "history")."""

    model_config = ConfigDict(extra="forbid")

    concessions: ConcessionsInWindow
    discount: DiscountRunning
    regretted_saves: Annotated[int, Field(ge=0)]


NO_HISTORY: Final = HistoryFacts(
    concessions=ConcessionsInWindow(count=0, total_cost=0, last_authorized_at=None),
    discount=DiscountRunning(running=False, ends_on=None),
    regretted_saves=0,
)


class PolicyInput(BaseModel):
    """The enriched evidence sent to data.retention.decision: the case as received, derived facts, history."""

    model_config = ConfigDict(extra="forbid")

    case: SaveCaseCreate
    derived: DerivedFacts
    # Always sent (assemble_evidence requires it); None only in decisions recorded before the service sent
    # it, read back from the log. The policy would pause a concession on a null history, never route it.
    history: HistoryFacts | None = None


class Outcome(StrEnum):
    route = "route"
    pause = "pause"
    decline = "decline"


class EscalationLevel(StrEnum):
    none = "none"
    director = "director"
    executive = "executive"


class ApprovalStage(BaseModel):
    stage: Annotated[int, Field(ge=1)]
    roles: Annotated[list[Role], Field(min_length=1)]
    mode: Literal["all"]
    sla_hours: Annotated[int, Field(ge=1)]


class Explanation(BaseModel):
    rule: str
    message: str


class DraftedOption(BaseModel):
    """An offer the policy would route, with its figures and the chain deciding it again would give it."""

    model_config = ConfigDict(extra="forbid")

    offer: ProposedOffer = Field(description="The drafted offer, in the shape a revised case proposes it.")
    discount_tier: DiscountTier
    credit_share_pct: float
    margin_after_offer_pct: float | None = Field(description="Rounded to 2 decimals; null without a gross margin.")
    offer_cost: float
    escalation_level: EscalationLevel
    approval_chain: Annotated[list[ApprovalStage], Field(min_length=1)]
    summary: str


class AlternativeOption(DraftedOption):
    """An allowed offer type at its most generous routable parameters, and the smaller drafts with shorter chains."""

    shorter_chains: list[DraftedOption] = Field(
        description="For each shorter approval chain, the most generous draft that gets it; fewest approvers first."
    )


class NotAllowedOffer(BaseModel):
    """An offer type the case cannot be given, with the rules that stop it."""

    model_config = ConfigDict(extra="forbid")

    offer_type: OfferType
    rules: Annotated[list[str], Field(min_length=1)]
    message: str


class AlternativesStatus(StrEnum):
    drafted = "drafted"
    paused = "paused"


class Alternatives(BaseModel):
    """Save option drafts (data.retention.alternatives): for a person to weigh; the service never proposes one."""

    model_config = ConfigDict(extra="forbid")

    status: AlternativesStatus
    message: str
    options: list[AlternativeOption] = Field(description="Allowed offer types: free ones first, then by cost.")
    not_allowed: list[NotAllowedOffer]
    nearest: DraftedOption | None = Field(
        description="The allowed draft of the proposed offer's type nearest the proposal; null when none."
    )


class PolicyDecision(BaseModel):
    """The decision document data.retention.decision returns. Anything else from OPA is refused."""

    model_config = ConfigDict(extra="forbid")

    outcome: Outcome
    reason_class: ReasonClass
    save_path: str | None
    discount_tier: DiscountTier
    legal_review_required: bool
    escalation_level: EscalationLevel
    urgent: bool
    approval_chain: Annotated[list[ApprovalStage], Field(min_length=1)]
    pause_reasons: list[str]
    missing_evidence: list[str]
    violations: list[str]
    explanations: list[Explanation]
    # None only in decisions recorded before the policy drafted save options, read back from the log.
    alternatives: Alternatives | None = None


@dataclass(frozen=True, kw_only=True)
class PolicyResult:
    """A decision document as OPA gave it, with the bundle revision that made it."""

    decision: PolicyDecision
    revision: str
    opa_decision_id: str | None
