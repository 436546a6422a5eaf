"""API schemas of a save case as read: its decision, tasks, timeline and the approver's summary."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from app.approvals.schemas import TaskRead
from app.decisions.schemas import DecisionRead, EvidenceSummaryRead


class CaseEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event: str
    task_id: str | None
    actor_id: str | None
    on_behalf_of: str | None
    token_id: str | None
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


class SaveCaseRead(BaseModel):
    """A case with its current decision, its tasks and its timeline."""

    id: str
    account_id: str
    owner_id: str | None
    requester_id: str | None
    status: str
    hold_reason: str | None
    current_stage: int | None
    authorized_offer: dict[str, Any] | None
    authorized_at: datetime | None
    created_at: datetime
    updated_at: datetime
    decision: DecisionRead
    decision_ids: list[str]
    summary: EvidenceSummaryRead
    tasks: list[TaskRead]
    timeline: list[CaseEventRead]
