"""The canonical examples with their dates moved to now, so the quickstart works whatever the date.

    .venv/bin/python -m app.cases.examples service-recovery | curl … --data @-

The examples in `examples/` are written to be decided at 2026-11-22T12:00Z. Decided later,
their evidence would be stale and their renewal past. Shifting every date and timestamp by
(now - that reference time) keeps every derived fact (days to renewal, evidence age, tenure)
as it was, so the example decides the same way now. Each copy gets a fresh event id.
"""

import argparse
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from app.config import PROJECT_ROOT

EXAMPLES = PROJECT_ROOT / "examples"
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


def load_example(name: str, *, examples_dir: Path = EXAMPLES) -> dict[str, Any]:
    """An example as committed: `name` is the part after `save-case-` (e.g. "price-discount")."""
    case: dict[str, Any] = json.loads((examples_dir / f"save-case-{name}.json").read_text(encoding="utf-8"))
    return case


def example_for_now(
    name: str, *, now: datetime | None = None, event_id: str | None = None, examples_dir: Path = EXAMPLES
) -> dict[str, Any]:
    """An example whose dates are moved to `now` (default: the system clock), with a unique event id."""
    case: dict[str, Any] = shift_dates(load_example(name, examples_dir=examples_dir), now=now or datetime.now(UTC))
    case["event_id"] = event_id or f"{case['event_id']}-{uuid.uuid4().hex[:12]}"
    return case


def main() -> None:
    """Print an example with its dates moved to now: `python -m app.cases.examples NAME`."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("name", help="service-recovery, price-discount or pause-unclear")
    parser.add_argument("--examples-dir", type=Path, default=EXAMPLES, help="where save-case-NAME.json lives")
    args = parser.parse_args()
    print(json.dumps(example_for_now(args.name, examples_dir=args.examples_dir), indent=2))


if __name__ == "__main__":
    main()
