"""API schemas of approval tasks, the inbox and task actions."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.decisions.schemas import EvidenceSummaryRead
from app.inbound import InboundModel


class TaskRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    case_id: str
    decision_id: str
    kind: str
    stage: int | None
    role: str
    assignee_id: str | None
    status: str
    due_at: datetime | None
    escalates_task_id: str | None
    escalated_at: datetime | None
    acted_by: str | None
    acted_on_behalf_of: str | None
    acted_at: datetime | None
    comment: str | None


class InboxItemRead(BaseModel):
    task: TaskRead
    case_status: str
    account_id: str
    summary: EvidenceSummaryRead


class InboxRead(BaseModel):
    items: list[InboxItemRead]


class TaskActionCreate(InboundModel):
    """An approver's action; a rejection needs a reason, a change request needs guidance."""

    note: Annotated[str, Field(max_length=5000)] | None = None


class TaskAssignCreate(InboundModel):
    assignee_id: Annotated[str, Field(min_length=1, max_length=200)]
