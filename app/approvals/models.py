"""ORM models of save cases, their approval tasks and their history."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, UtcDateTime


class SaveCase(Base):
    """A save case: opened by a decision, worked through its approval chain, ended authorized or not."""

    __tablename__ = "save_cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(200), index=True)
    requester_id: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    current_decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"))
    current_stage: Mapped[int | None] = mapped_column(Integer)
    renewal_date: Mapped[str | None] = mapped_column(String(10))
    authorized_offer: Mapped[dict | None] = mapped_column(JSON)
    authorized_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ApprovalTask(Base):
    """Work for one person: review one role's part of a stage, complete a paused case, or revise an offer."""

    __tablename__ = "approval_tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("save_cases.id"), index=True)
    decision_id: Mapped[str] = mapped_column(ForeignKey("decisions.id"))
    kind: Mapped[str] = mapped_column(String(32))
    stage: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(32))
    assignee_id: Mapped[str | None] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    escalates_task_id: Mapped[str | None] = mapped_column(ForeignKey("approval_tasks.id"))
    escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acted_by: Mapped[str | None] = mapped_column(String(200))
    acted_on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    acted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaseEvent(Base):
    """One state change of a case, written in the same transaction as the change."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("save_cases.id"), index=True)
    task_id: Mapped[str | None] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[str | None] = mapped_column(String(200))
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
