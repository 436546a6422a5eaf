"""API schemas of tokens."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from app.inbound import InboundModel


class TokenCreate(InboundModel):
    label: Annotated[str, Field(min_length=1, max_length=200)]


class ServiceTokenCreate(InboundModel):
    service_name: Annotated[
        str,
        Field(
            min_length=1,
            max_length=64,
            pattern=r"^[A-Za-z0-9_.:-]+$",
            description="The CRM source this integration reports for; it may only decide cases of this source.",
        ),
    ]
    label: Annotated[str, Field(min_length=1, max_length=200)]


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str = Field(description="personal, temporary (exchange it once for a personal token) or service.")
    person_id: str | None
    service_name: str | None
    label: str
    issued_by: str | None
    exchanged_from_id: str | None
    exchanged_at: datetime | None
    created_at: datetime
    revoked_at: datetime | None


class TokenCreatedRead(TokenRead):
    token: str = Field(description="The secret; shown once, stored only as a hash.")
