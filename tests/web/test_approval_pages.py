"""People work a case through the pages in a real browser: the chain of issue 12, end to end."""

import re

import httpx
from playwright.sync_api import expect

from tests.conftest import load_example

OWNER, FINANCE, REVOPS, EXECUTIVE, OUTSIDER = "u-am-04", "u-fin-01", "u-revops-01", "u-exec-01", "u-csm-08"


def _approve_by_api(live_url: str, token: str, case_id: str, role: str) -> None:
    """Approvers whose turn the browser does not show, through the JSON API with their own token."""
    headers = {"Authorization": f"Bearer {token}"}
    case = httpx.get(f"{live_url}/v1/save-cases/{case_id}", headers=headers).json()
    task = next(t for t in case["tasks"] if t["role"] == role and t["status"] == "open")
    assert httpx.post(f"{live_url}/v1/approvals/{task['id']}/approve", json={}, headers=headers).status_code == 200


def test_owner_finance_owner_executive_work_the_case_in_the_browser(
    http: httpx.Client, directory_tokens: dict[str, str], visitors, live_url: str
) -> None:
    decided = http.post("/v1/save-cases", json=load_example("price-discount"))
    assert decided.status_code == 201, decided.text
    case_id = decided.json()["case_id"]

    # The owner signs in, finds the case in the inbox and approves it.
    owner = visitors("owner")
    page = owner.sign_in(directory_tokens[OWNER])
    expect(page).to_have_url(re.compile(r"/inbox$"))
    expect(page.get_by_role("link", name="Contoso Health")).to_be_visible()
    expect(page.get_by_role("cell", name="account owner")).to_be_visible()
    owner.check("01-inbox-owner")
    page.get_by_role("link", name="Contoso Health").click()
    expect(page.get_by_role("heading", name="The offer and what it costs")).to_be_visible()
    expect(page.get_by_text("The renewal quote is 18% above last year")).to_be_visible()
    # The policy's save option drafts, as the decision document gives them (issue 14).
    drafts = decided.json()["decision"]["alternatives"]
    section = page.locator("section[aria-labelledby=drafts-h]")
    expect(section.get_by_role("heading", name="Save option drafts")).to_be_visible()
    expect(section).to_contain_text(f"Nearest allowed discount: {drafts['nearest']['summary']}")
    for option in drafts["options"]:
        expect(section.get_by_role("rowheader", name=option["summary"], exact=True)).to_be_visible()
    for refused in drafts["not_allowed"]:
        expect(section).to_contain_text(refused["message"])
    owner.check("02-case-owner")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("Your approval is recorded.")
    owner.check("03-case-owner-approved")

    # Finance asks for changes; guidance is required and its absence is shown next to the field.
    finance = visitors("finance")
    page = finance.sign_in(directory_tokens[FINANCE])
    page.get_by_role("link", name="Contoso Health").click()
    page.get_by_role("button", name="Request changes").click()
    expect(page.locator(".field.invalid .error")).to_contain_text("change request needs guidance")
    finance.check("04-case-finance-missing-guidance")
    page.get_by_label("Guidance for the owner").fill("Bring the discount to 15% for 6 months.")
    page.get_by_role("button", name="Request changes").click()
    expect(page.get_by_role("status")).to_contain_text("change request is recorded")
    finance.check("05-case-finance-changes-requested")

    # The owner revises (a bad number first, shown next to its field) and sees the new decision and chain.
    page = owner.goto(f"/cases/{case_id}")
    expect(page.get_by_role("heading", name="Revise the case")).to_be_visible()
    page.get_by_label("Discount (%)").fill("fifteen")
    page.get_by_role("button", name="Submit the revision").click()
    expect(page.locator("#discount_pct-error")).to_contain_text("Enter a number")
    owner.check("06-case-owner-revise-bad-input")
    page.get_by_label("Discount (%)").fill("15")
    page.get_by_label("Duration (months)").fill("6")
    page.get_by_role("button", name="Submit the revision").click()
    expect(page.get_by_role("status")).to_contain_text("decided again")
    expect(page.locator("#decision")).to_contain_text("What the policy decided: route")
    expect(page.locator("ol.chain")).to_contain_text("Stage 1")
    expect(page.get_by_role("button", name="Approve")).to_be_visible()  # the owner's new stage-1 task
    owner.check("07-case-owner-revised")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_have_text("Your approval is recorded.")

    case = httpx.get(
        f"{live_url}/v1/save-cases/{case_id}", headers={"Authorization": f"Bearer {directory_tokens[OWNER]}"}
    ).json()
    assert case["status"] == "in_review"
    assert case["decision"]["evidence"]["case"]["proposed_offer"]["discount_pct"] == 15
    for role, person in (("finance", FINANCE), ("revops", REVOPS)):
        if any(t["role"] == role and t["status"] == "open" for t in case["tasks"]):
            _approve_by_api(live_url, directory_tokens[person], case_id, role)

    # The executive authorizes, on a phone-sized screen.
    executive = visitors("executive", phone=True)
    page = executive.sign_in(directory_tokens[EXECUTIVE])
    executive.check("08-inbox-executive-phone")
    page.get_by_role("link", name="Contoso Health").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", name="Authorized offer")).to_be_visible()
    expect(page.get_by_text("authorized", exact=True).first).to_be_visible()
    executive.check("09-case-authorized-phone")

    # Someone with no role in the case gets a 403 page, not the case.
    outsider = visitors("outsider")
    outsider.sign_in(directory_tokens[OUTSIDER])
    response = outsider.page.goto(f"{live_url}/cases/{case_id}")
    assert response is not None and response.status == 403
    expect(outsider.page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(outsider.page.get_by_text("Contoso")).to_have_count(0)
    outsider.check("10-case-no-role-403")
