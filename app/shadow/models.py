"""ORM model of shadow decisions: what a candidate release would have decided for a logged decision."""

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, UtcDateTime
from app.decisions.models import JsonDocument


class ShadowDecision(Base):
    """The shadow release's decision document for one logged decision (migration 0007)."""

    __tablename__ = "shadow_decisions"

    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"), primary_key=True)
    revision: Mapped[str] = mapped_column(String(200), index=True)
    decision: Mapped[dict[str, Any]] = mapped_column(JsonDocument)
    evaluated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    latency_ms: Mapped[float] = mapped_column(Float)
