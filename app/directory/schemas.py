"""API schemas of the approver directory, delegations and tokens."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AnyHttpUrl, AwareDatetime, BaseModel, ConfigDict, Field

from app.inbound import InboundModel

PersonId = Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:@-]+$")]


class DirectoryRole(StrEnum):
    """Roles a person can hold; finance_lead is an escalation target, not a chain role."""

    account_owner = "account_owner"
    finance = "finance"
    finance_lead = "finance_lead"
    revops = "revops"
    legal = "legal"
    cs_leadership = "cs_leadership"
    executive = "executive"
    csm = "csm"


class PersonCreate(InboundModel):
    id: PersonId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")] | None = None
    roles: Annotated[list[DirectoryRole], Field(max_length=8)] = []
    is_admin: bool = False
    active: bool = True
    notify_url: AnyHttpUrl | None = None


class PersonRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    email: str | None
    roles: list[str]
    is_admin: bool
    active: bool
    notify_url: str | None
    created_at: datetime


class DelegationCreate(InboundModel):
    delegate_id: PersonId
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class DelegationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    person_id: str
    delegate_id: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    revoked_at: datetime | None


class TokenCreate(InboundModel):
    label: Annotated[str, Field(min_length=1, max_length=200)]


class ServiceTokenCreate(InboundModel):
    service_name: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$")]
    label: Annotated[str, Field(min_length=1, max_length=200)]


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    person_id: str | None
    service_name: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None


class TokenCreatedRead(TokenRead):
    token: str = Field(description="The secret; shown once, stored only as a hash.")
