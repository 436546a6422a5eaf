"""ORM model of the decision log: one append-only row per decision."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

import app.audit.chain  # noqa: F401 - registers the flush hook that chains new rows
from app.audit.models import ChainedRow
from app.database import Base, UtcDateTime

JsonDocument = JSON().with_variant(JSONB(), "postgresql")


class Decision(ChainedRow, Base):
    """A decision as made: what came in, what the policy saw and said, and which revision said it."""

    __tablename__ = "decisions"
    # The log is read newest first, by account, outcome or revision: each filter has an index in that
    # order, so a page is an index range scan at any size (migration 0004).
    __table_args__ = (
        UniqueConstraint("source", "event_id", name="uq_decisions_source_event_id"),
        Index("ix_decisions_time_id", text("decision_time DESC"), "id"),
        Index("ix_decisions_account_time_id", "account_id", text("decision_time DESC"), "id"),
        Index("ix_decisions_outcome_time_id", "outcome", text("decision_time DESC"), "id"),
        Index("ix_decisions_revision_time_id", "policy_revision", text("decision_time DESC"), "id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    payload_raw: Mapped[str] = mapped_column(Text)
    payload_sha256: Mapped[str] = mapped_column(String(64))
    policy_input: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    decision: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    policy_revision: Mapped[str] = mapped_column(String(200))
    opa_decision_id: Mapped[str | None] = mapped_column(String(64))
    decision_time: Mapped[datetime] = mapped_column(UtcDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    latency_ms: Mapped[float] = mapped_column(Float)
    case_id: Mapped[str | None] = mapped_column(String(36), index=True)
    # SHA-256 of the personal fields (app.audit.personal), hashed by the chain in their place.
    personal_sha256: Mapped[str] = mapped_column(String(64))
