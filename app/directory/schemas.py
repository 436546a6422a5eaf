"""API schemas of the approver directory and delegations."""

from datetime import datetime
from typing import Annotated

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

from app.inbound import InboundModel, Instant
from app.vocabulary import DirectoryRole

PERSON_ID_PATTERN = r"^[A-Za-z0-9_.:@-]+$"
PersonId = Annotated[str, Field(min_length=1, max_length=200, pattern=PERSON_ID_PATTERN)]


class PersonCreate(InboundModel):
    """A person's details and roles; the id is the path's."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    # Spaces spelled out: Python's and JSON Schema's (ECMAScript's) \s differ on U+0085 and U+FEFF.
    email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s\u0085\ufeff]+@[^@\s\u0085\ufeff]+$")] | None = None
    roles: Annotated[list[DirectoryRole], Field(default_factory=list, max_length=8)]
    is_admin: bool = False
    active: bool = True
    notify_url: AnyHttpUrl | None = None


class PersonSeed(PersonCreate):
    """A person in a seed file, which names them."""

    id: PersonId


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
    starts_at: Instant
    ends_at: Instant


class DelegationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    person_id: str
    delegate_id: str
    starts_at: datetime
    ends_at: datetime
    created_at: datetime
    revoked_at: datetime | None
