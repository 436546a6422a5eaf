"""ORM model of what a save attempt led to: the CRM's and the billing system's reports, as received."""

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

import app.audit.chain  # noqa: F401 - registers the flush hook that chains new rows
from app.audit.models import ChainedRow
from app.cases.models import SaveCase
from app.database import Base, UtcDateTime


class OutcomeEvent(ChainedRow, Base):
    """One reported fact about an authorized offer (presented, accepted, a payment…), appended once per event."""

    __tablename__ = "outcome_events"
    __table_args__ = (
        UniqueConstraint("source", "event_id", name="uq_outcome_events_source_event_id"),
        Index("ix_outcome_events_case_occurred", "case_id", "occurred_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    case_id: Mapped[str] = mapped_column(ForeignKey("save_cases.id"))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    amount: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))

    # Never loaded (lazy="raise"): declared so the unit of work orders it after its case.
    case: Mapped[SaveCase] = relationship(lazy="raise")
