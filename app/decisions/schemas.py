"""API schemas of the decision log."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from app.policy.schemas import Alternatives, PolicyDecision, PolicyInput


class DecisionRead(BaseModel):
    """A recorded decision: the policy's document, the evidence it saw, and its provenance."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    source: str
    event_id: str
    account_id: str
    outcome: str
    decision: PolicyDecision
    evidence: PolicyInput = Field(validation_alias="policy_input")
    policy_revision: str
    opa_decision_id: str | None
    decision_time: datetime
    recorded_at: datetime
    latency_ms: float
    case_id: str = Field(description="The save case this decision opened or re-decided.")
    replay: bool = Field(
        default=False, description="True when this answer repeats an earlier decision for the same event."
    )


class DecisionSummaryRead(BaseModel):
    """One decision in a list: enough to find it, not the whole evidence."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    source: str
    event_id: str
    account_id: str
    outcome: str
    policy_revision: str
    decision_time: datetime
    recorded_at: datetime


class DecisionPageRead(BaseModel):
    items: list[DecisionSummaryRead]
    total: Annotated[int, Field(ge=0)] | None = Field(
        description="How many decisions match, when asked with include_total=true; null otherwise."
    )
    limit: int
    offset: int
    next_cursor: str | None = Field(
        default=None,
        description="Pass as `cursor` for the next page (newest first); null on the last page.",
    )


class EvidenceSummaryRead(BaseModel):
    """What an approver needs to judge the offer, the same for every approver of a decision."""

    reason_class: str
    reason_why: list[str]
    save_path: str | None
    account: dict[str, Any]
    offer: dict[str, Any]
    contract: dict[str, Any]
    service_history: dict[str, Any]
    chain_rules: list[dict[str, str]]
    alternatives: Alternatives | None = Field(
        default=None,
        description="The policy's save option drafts for the case; null for decisions recorded before it drafted them.",
    )
