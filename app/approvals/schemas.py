"""API schemas of save cases, approval tasks, their history and the approver's evidence summary."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from app.decisions.schemas import DecisionRead
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


class CaseEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event: str
    task_id: str | None
    actor_id: str | None
    on_behalf_of: str | None
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    note: str | None


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


class SaveCaseRead(BaseModel):
    """A case with its current decision, its tasks and its timeline."""

    id: str
    account_id: str
    owner_id: str | None
    requester_id: str | None
    status: str
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
