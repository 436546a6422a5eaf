"""What every request body has in common: named fields only, and text a database can store."""

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple | set):
        return any(_has_nul(item) for item in value)
    return False  # nested models validate their own fields


class InboundModel(BaseModel):
    """Base of request bodies: unknown fields and NUL characters are refused with a 422 naming the field."""

    model_config = ConfigDict(extra="forbid")

    # PostgreSQL cannot store NUL in text or JSON; refusing it here keeps SQLite and
    # PostgreSQL answering the same, with the field named, instead of a 503 from the database.
    @field_validator("*", mode="after")
    @classmethod
    def _refuse_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain NUL (\\u0000) characters")
        return value
