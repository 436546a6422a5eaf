"""The quickstart works whatever the date: an example moved to now decides as it did on its own date."""

from datetime import UTC, datetime

import httpx
import pytest

from app.cases.examples import example_for_now, load_example
from app.clock import FixedClock

LATER = datetime(2027, 6, 15, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("name", ["service-recovery", "price-discount", "pause-unclear"])
def test_an_example_moved_to_now_decides_as_on_its_own_date(
    http: httpx.Client, clock: FixedClock, directory_tokens: dict[str, str], name: str
) -> None:
    on_its_date = http.post("/v1/save-cases", json=load_example(name)).json()
    clock.set(LATER)
    as_committed = http.post("/v1/save-cases", json={**load_example(name), "event_id": "stale-" + name}).json()
    moved = http.post("/v1/save-cases", json=example_for_now(name, now=LATER)).json()

    keys = ("outcome", "reason_class", "approval_chain", "pause_reasons", "violations", "discount_tier")
    assert {k: moved["decision"][k] for k in keys} == {k: on_its_date["decision"][k] for k in keys}
    for fact in ("days_to_renewal", "evidence_age_days", "tenure_months"):
        assert moved["evidence"]["derived"][fact] == on_its_date["evidence"]["derived"][fact]
    # Without moving its dates, the same example half a year later is decided on stale evidence.
    assert as_committed["decision"]["outcome"] == "pause"
    assert "stale_evidence" in as_committed["decision"]["pause_reasons"]
