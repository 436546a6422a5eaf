"""ORM models of a save case and its history (the timeline)."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

import app.audit.chain  # noqa: F401 - registers the flush hook that chains new rows
from app.audit.models import ChainedRow
from app.database import Base, UtcDateTime
from app.decisions.models import Decision


class SaveCase(Base):
    """A save case: opened by a decision, worked through its approval chain, ended authorized or not."""

    __tablename__ = "save_cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(200), index=True)
    requester_id: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    # Why the service (not the policy) holds the case: owner_unknown, no_eligible_approver.
    hold_reason: Mapped[str | None] = mapped_column(String(64))
    current_decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"))
    current_stage: Mapped[int | None] = mapped_column(Integer)
    renewal_date: Mapped[str | None] = mapped_column(String(10))
    authorized_offer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    authorized_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Every UPDATE is conditional on the version read: of two concurrent writers, one wins.
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it from the class

    # Never loaded (lazy="raise"): declared so one flush writes a new decision before the case it opens.
    current_decision: Mapped[Decision] = relationship(lazy="raise")


class CaseEvent(ChainedRow, Base):
    """One state change of a case, written in the same transaction as the change."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("save_cases.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(200))
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    # The API token the actor presented, so an action can be traced to who issued that credential.
    token_id: Mapped[str | None] = mapped_column(String(36))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)

    # Never loaded (lazy="raise"): declared so one flush writes a new case before its history.
    case: Mapped[SaveCase] = relationship(lazy="raise")
