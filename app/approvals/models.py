"""ORM model of approval tasks: one person's part of a stage, or the requester's work on a held case."""

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.database import Base, UtcDateTime

if TYPE_CHECKING:
    from app.cases.models import SaveCase
    from app.decisions.models import Decision


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
    # Conditional writes: an UPDATE that finds another version changed nothing, and the caller gets 409.
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads it from the class

    # Never loaded (lazy="raise"): declared so one flush writes a new case before its tasks.
    case: Mapped["SaveCase"] = relationship(lazy="raise")
    # Likewise, so that the decision a task serves is written before the task.
    decision: Mapped["Decision"] = relationship(lazy="raise")
