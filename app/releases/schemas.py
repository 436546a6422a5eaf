"""API schemas of the release history."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PolicyRevisionRead(BaseModel):
    """A policy revision the service decided with, and the release it belongs to."""

    model_config = ConfigDict(from_attributes=True)

    revision: str = Field(description="The bundle revision OPA reported: `<release>@<content hash>`.")
    release: str | None = Field(
        validation_alias="release_name", description="The release's name; null for a revision that names none."
    )
    first_decided_at: datetime = Field(description="The decision time of the first decision made with it.")
    last_decided_at: datetime = Field(
        description="The decision time of the last decision made with it (kept to within a minute)."
    )
