"""The inbox in a real browser: overdue tasks first, marked in words, with stage, role, due time and account."""

from datetime import timedelta

import httpx
from playwright.sync_api import expect

from app.clock import FixedClock
from tests.conftest import DECISION_TIME, load_example

OWNER = "u-am-04"


def test_overdue_tasks_come_first_and_say_so(
    http: httpx.Client, directory_tokens: dict[str, str], visitors, clock: FixedClock
) -> None:
    older = load_example("price-discount")
    assert http.post("/v1/save-cases", json=older).status_code == 201
    clock.set(DECISION_TIME + timedelta(hours=20))
    newer = load_example("price-discount")
    newer["event_id"] = "hs-7781-renewal-2"
    newer["account"] = {**newer["account"], "id": "hs-company-55501", "name": "Fabrikam Labs"}
    assert http.post("/v1/save-cases", json=newer).status_code == 201
    # The first owner task was due 24 hours after it opened; the second is not due yet.
    clock.set(DECISION_TIME + timedelta(hours=30))

    owner = visitors("owner")
    page = owner.sign_in(directory_tokens[OWNER])
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Contoso Health")
    expect(rows.nth(0)).to_contain_text("Overdue")
    expect(rows.nth(0)).to_contain_text("2026-11-23 12:00 UTC")
    expect(rows.nth(1)).to_contain_text("Fabrikam Labs")
    expect(rows.nth(1)).not_to_contain_text("Overdue")
    for cell in ("account owner", "1", "hs-company-55501"):
        expect(rows.nth(1)).to_contain_text(cell)
    owner.check("25-inbox-overdue-first")
