"""The programme lead's and the administrator's pages in a real browser: dashboard, decision log and policy,
on a demo programme made by the real domain code."""

import asyncio
import io
import re

import pytest
from playwright.sync_api import expect

from app.config import Settings
from app.demo.programme import run_demo
from tests.conftest import DECISION_TIME

EXECUTIVE, ADMIN = "u-exec-01", "u-admin"


@pytest.fixture
def demo_programme(settings: Settings, directory_tokens: dict[str, str]) -> None:
    """Six months of cases decided, approved and followed up, ending at the tests' decision time."""
    result = asyncio.run(run_demo(settings=settings, months=6, cases=40, seed=11, end=DECISION_TIME, out=io.StringIO()))
    assert result.tally["cases"] == 40


def test_dashboard_and_decision_log(demo_programme: None, directory_tokens: dict[str, str], visitors) -> None:
    lead = visitors("executive")
    page = lead.sign_in(directory_tokens[EXECUTIVE])
    page = lead.goto("/programme")
    for heading in (
        "Save rate by reason",
        "Save rate by offer type",
        "Discount and credit spend",
        "Response and authorization times",
        "Regretted saves",
    ):
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
    # Labelled axes, and the same figures as a table.
    expect(page.locator("svg[role=img] text", has_text="Month requested").first).to_be_attached()
    page.get_by_text("Table view: save rate by reason").click()
    expect(page.locator("details[open] table")).to_be_visible()
    lead.check("15-programme-dashboard")
    page = lead.goto("/programme?segment=enterprise&from=2026-09-01&to=2026-11-22")
    expect(page.get_by_role("heading", name="2026-09-01 to 2026-11-22")).to_be_visible()
    expect(page.get_by_label("Segment")).to_have_value("enterprise")
    response = page.goto(page.url.split("/programme")[0] + "/programme?segment=galactic")
    assert response is not None and response.status == 400
    expect(page.locator("#f-segment-error")).to_contain_text("Choose one of")
    lead.check("16-programme-bad-filter")
    # The decision log is the administrators' (as in the API): a 403 page for the executive.
    assert lead.page.goto(lead.base_url + "/decisions").status == 403

    admin = visitors("admin")
    page = admin.sign_in(directory_tokens[ADMIN])
    page = admin.goto("/decisions")
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(25)
    admin.check("17-decision-log")
    first_page = rows.first.inner_text()
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("tbody tr")).to_have_count(15)
    assert page.locator("tbody tr").first.inner_text() != first_page
    page.get_by_label("Outcome").select_option("pause")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"outcome=pause"))
    outcomes = page.locator("tbody tr td:nth-child(3)").all_inner_texts()
    assert outcomes and set(outcomes) == {"pause"}
    page.locator("tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Decision: pause")).to_be_visible()
    expect(page.get_by_role("heading", name="Explanations")).to_be_visible()
    expect(page.get_by_text("Policy revision")).to_be_visible()
    page.get_by_text("Show the full input").click()
    expect(page.locator("pre")).to_contain_text('"derived"')
    admin.check("18-decision")
    page = admin.goto("/decisions?decided_from=22-11-2026")
    expect(page.locator("#decided_from-error")).to_contain_text("YYYY-MM-DD")

    page = admin.goto("/policy")
    expect(page.get_by_text("(active)")).to_be_visible()
    admin.check("19-policy")
