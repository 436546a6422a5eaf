"""What every request body has in common: named fields only, and text and times a database can store."""

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, field_validator
from pydantic.json_schema import JsonSchemaValue

# Declared in the contract on every free-text field, so that a client (or schemathesis) knows what is refused.
NO_NUL_PATTERN = "^[^\\u0000]*$"


def _unstorable_text(value: Any) -> str | None:
    """Why a value cannot be stored as text, if it cannot: a NUL, or a lone surrogate that is not Unicode."""
    if isinstance(value, str):
        if "\x00" in value:
            return "must not contain NUL (\\u0000) characters"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "must be valid Unicode text (a lone surrogate such as \\ud800 is not)"
        return None
    if isinstance(value, dict):
        return next((why for item in (*value.keys(), *value.values()) if (why := _unstorable_text(item))), None)
    if isinstance(value, list | tuple | set):
        return next((why for item in value if (why := _unstorable_text(item))), None)
    return None  # nested models validate their own fields


# Character classes that do not start with ^ (they name what may appear), escapes included.
_LISTED_CLASS = re.compile(r"\[(?!\^)(?:\\.|[^\]\\])*\]")


def _may_match_nul(pattern: str) -> bool:
    """Whether a field's own pattern lets a NUL through: a negated class ([^@\\s]), a dot or \\S, \\W, \\D."""
    outside_listed_classes = _LISTED_CLASS.sub("", pattern.replace("\\\\", ""))
    return re.search(r"\[\^|(?<!\\)\.|\\[SWD]", outside_listed_classes) is not None


def _add_no_nul_pattern(schema: JsonSchemaValue) -> None:
    if schema.get("type") == "string" and "format" not in schema and "enum" not in schema:
        if "pattern" not in schema:
            schema["pattern"] = NO_NUL_PATTERN
        elif schema["pattern"] != NO_NUL_PATTERN and _may_match_nul(schema["pattern"]):
            # The field's own pattern stays; the NUL rule is added beside it (an email's [^@\s] lets NUL in).
            rules = schema.setdefault("allOf", [])
            if {"pattern": NO_NUL_PATTERN} not in rules:
                rules.append({"pattern": NO_NUL_PATTERN})
    for variant in schema.get("anyOf", []):
        _add_no_nul_pattern(variant)
    if isinstance(schema.get("items"), dict):
        _add_no_nul_pattern(schema["items"])


class InboundModel(BaseModel):
    """Base of request bodies: unknown fields, NUL characters and lone surrogates get a 422 naming the field."""

    model_config = ConfigDict(extra="forbid")

    # PostgreSQL cannot store NUL in text or JSON, and no database stores half a
    # surrogate pair; refusing them here keeps SQLite and PostgreSQL answering the
    # same, with the field named, instead of a 503 or a 500.
    @field_validator("*", mode="after")
    @classmethod
    def _refuse_unstorable_text(cls, value: Any) -> Any:
        if why := _unstorable_text(value):
            raise ValueError(why)
        return value

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> JsonSchemaValue:
        schema: JsonSchemaValue = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        for prop in target.get("properties", {}).values():
            _add_no_nul_pattern(prop)
        return schema


# The start of an ISO 8601 / RFC 3339 date-time: a date, a separator and hours and minutes.
_DATE_TIME_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")
INSTANT_DOC = "an ISO 8601 date-time with a time zone, for example 2026-11-22T00:00:00Z"


def _date_time_text(value: Any) -> Any:
    # JSON has no date type: the contract declares text in date-time format. Pydantic alone would also
    # read 1700000000, "1700000000" or "0.5" as Unix seconds and record a 1970 date as evidence.
    if isinstance(value, datetime) or (isinstance(value, str) and _DATE_TIME_TEXT.match(value)):
        return value
    raise ValueError(f"must be {INSTANT_DOC}")


def _on_the_calendar(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the supported range of dates once moved to UTC") from None
    return value


# A point in time written as ISO 8601 text with its zone, that still names a calendar date in UTC
# (year 1 at +14:00 does not).
Instant = Annotated[AwareDatetime, BeforeValidator(_date_time_text), AfterValidator(_on_the_calendar)]


def _integral(value: Any) -> Any:
    # JSON Schema's integer includes 5.0; a string or a bool is still refused by the strict int after this.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


IntegralNumber = BeforeValidator(_integral)
