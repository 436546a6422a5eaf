"""The examples' fixed dates moved to the present, for services that decide on the real clock.

The examples in `examples/` are written to be decided at 2026-11-22T12:00Z (DECISION_TIME in
tests/conftest.py). A service running on the system clock decides them later, when their evidence
may be stale or their renewal past. Shifting every date and timestamp of an example by
(now - that reference time) keeps every derived fact (days to renewal, evidence age, tenure)
as it was at the reference time, so the example decides the same way now.
"""

import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
REFERENCE_TIME = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


def _shift_string(value: str, *, delta: timedelta, days: int) -> str:
    if _DATE.match(value):
        return (date.fromisoformat(value) + timedelta(days=days)).isoformat()
    if _DATETIME.match(value):
        moved = (datetime.fromisoformat(value.replace("Z", "+00:00")) + delta).astimezone(UTC)
        return moved.isoformat().replace("+00:00", "Z")
    return value


def shift_dates(value: Any, *, now: datetime, reference: datetime = REFERENCE_TIME) -> Any:
    """A copy of a JSON value with every ISO date and timestamp moved by (now - reference).

    Timestamps move by the exact difference, so evidence ages stay the same to the second; dates
    move by the difference in calendar days, so day counts from the decision date stay the same.
    """
    delta = now - reference
    days = (now.astimezone(UTC).date() - reference.astimezone(UTC).date()).days

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: walk(item) for key, item in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        if isinstance(node, str):
            return _shift_string(node, delta=delta, days=days)
        return node

    return walk(value)


def load_example(name: str) -> dict:
    """An example as committed: `name` is the part after `save-case-` (e.g. "price-discount")."""
    return json.loads((EXAMPLES / f"save-case-{name}.json").read_text(encoding="utf-8"))


def example_for_now(name: str, *, now: datetime | None = None, event_id: str | None = None) -> dict:
    """An example whose dates are moved to `now` (default: the system clock), with a unique event id."""
    case = shift_dates(load_example(name), now=now or datetime.now(UTC))
    case["event_id"] = event_id or f"{case['event_id']}-{uuid.uuid4().hex[:12]}"
    return case
