"""The owner's revision form: the case as last decided, with the offer and the customer's words editable.

The form is turned into the same SaveCaseCreate the API takes, so the same validation applies, and each
refusal is shown next to the field it names. The event id is made when the form is shown, so a form sent
twice is the same revision twice: the decision log's idempotency replays it instead of deciding again.
"""

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from app.cases.schemas import SaveCaseCreate

# Form field → where it lives in the case body.
FIELDS: dict[str, tuple[str, ...]] = {
    "offer_type": ("proposed_offer", "type"),
    "discount_pct": ("proposed_offer", "discount_pct"),
    "duration_months": ("proposed_offer", "duration_months"),
    "credit_amount": ("proposed_offer", "credit_amount"),
    "reason_text": ("customer_reason", "text"),
}
_NUMBERS = {"discount_pct": float, "duration_months": int, "credit_amount": float}


@dataclass
class ReviseForm:
    event_id: str
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)


def _new_event_id() -> str:
    return f"web-revision-{uuid.uuid4()}"


def revise_defaults(case: SaveCaseCreate) -> ReviseForm:
    """The form as first shown: the case's current offer and words, and a fresh event id."""
    offer = case.proposed_offer
    values = {
        "offer_type": offer.type.value,
        "discount_pct": f"{offer.discount_pct:g}",
        "duration_months": str(offer.duration_months),
        "credit_amount": f"{offer.credit_amount:g}",
        "reason_text": case.customer_reason.text or "",
    }
    return ReviseForm(event_id=_new_event_id(), values=values)


def _number(name: str, raw: str) -> float | int:
    try:
        return int(raw) if _NUMBERS[name] is int else float(raw)
    except ValueError:
        kind = "a whole number" if _NUMBERS[name] is int else "a number"
        raise ValueError(f"Enter {kind}.") from None


def read_form(form: FormData) -> ReviseForm:
    """The submitted values, as typed, with the event id the form was shown with."""
    event_id = str(form.get("event_id", "")).strip() or _new_event_id()
    return ReviseForm(event_id=event_id[:200], values={name: str(form.get(name, "")).strip() for name in FIELDS})


def to_case(*, current: SaveCaseCreate, submitted: ReviseForm) -> SaveCaseCreate | None:
    """The revised case body, or None with submitted.errors naming each field at fault."""
    body: dict[str, Any] = current.model_dump(mode="json", exclude_none=True)
    body["event_id"] = submitted.event_id
    body.pop("occurred_at", None)
    for name, (section, key) in FIELDS.items():
        raw = submitted.values.get(name, "")
        value: Any = raw
        if name in _NUMBERS:
            if raw == "":
                raw = "0"
            try:
                value = _number(name, raw)
            except ValueError as exc:
                submitted.errors[name] = str(exc)
                continue
        elif name == "reason_text" and raw == "":
            value = None
        body.setdefault(section, {})[key] = value
    if submitted.errors:
        return None
    try:
        # As JSON, like the API's body: dates and instants are read from their text forms.
        return SaveCaseCreate.model_validate_json(json.dumps(body))
    except ValidationError as exc:
        by_loc = {loc: name for name, loc in FIELDS.items()}
        for error in exc.errors():
            name = by_loc.get(tuple(str(p) for p in error["loc"][:2]), "form")
            submitted.errors.setdefault(name, error["msg"])
        return None
