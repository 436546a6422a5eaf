"""What the CRM or the billing system reports after a decision, and what the service answers."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.approvals.states import CaseStatus
from app.cases.schemas import Amount, Identifier, SourceName, Text
from app.inbound import InboundModel, Instant
from app.outcomes.judgement import OutcomeKind


class OutcomeEventCreate(InboundModel):
    """One fact about an authorized offer; (source, event_id) identifies it, so a resend is answered, not repeated."""

    event_id: Identifier
    source: SourceName
    kind: OutcomeKind = Field(
        description=(
            "offer_presented, offer_accepted, offer_declined, customer_stayed, customer_cancelled (the CRM); "
            "renewed, payment_received, payment_past_due, subscription_cancelled (the billing system)."
        )
    )
    occurred_at: Instant = Field(description="When it happened (not when it is reported); never in the future.")
    amount: Amount | None = Field(default=None, description="A payment's or renewal's amount, for the record.")
    note: Text | None = None


class OutcomeEventRead(BaseModel):
    """A recorded outcome event and the case status it leaves."""

    id: str
    source: str
    event_id: str
    case_id: str
    kind: OutcomeKind
    occurred_at: datetime
    received_at: datetime
    amount: float | None
    note: str | None
    case_status: CaseStatus
    replay: bool = False
