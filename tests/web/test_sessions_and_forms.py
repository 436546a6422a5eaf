"""Sessions and forms in a real browser and over real HTTP: expiry, sign-out, CSRF, double submit, stale tasks."""

import re
from datetime import timedelta

import httpx
from playwright.sync_api import expect

from app.clock import FixedClock
from tests.conftest import DECISION_TIME, load_example

OWNER, FINANCE, REVOPS = "u-am-04", "u-fin-01", "u-revops-01"


def _case(live_url: str, token: str, case_id: str) -> dict:
    return httpx.get(f"{live_url}/v1/save-cases/{case_id}", headers={"Authorization": f"Bearer {token}"}).json()


def test_sign_in_cookie_expiry_and_sign_out(
    directory_tokens: dict[str, str], source_tokens: dict[str, str], visitors, live_url: str, clock: FixedClock
) -> None:
    person = visitors("owner")
    # A wrong token is refused next to the field; a service token cannot open a session.
    page = person.goto("/sign-in")
    person.check("11-sign-in")
    for wrong in ("sot_not-a-token", source_tokens["salesforce"]):
        page.get_by_label("Personal token").fill(wrong)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("#token-error")).to_be_visible()
    person.check("12-sign-in-refused")

    # A sign-in form from anywhere but this site's page (no matching sign-in cookie) opens no session.
    forged = httpx.post(f"{live_url}/sign-in", data={"token": directory_tokens[OWNER], "csrf_token": "forged"})
    assert forged.status_code == 403 and "so_session" not in forged.cookies
    assert "did not come from this site" in forged.text

    page = person.sign_in(directory_tokens[OWNER])
    # An owner's navigation offers neither the programme nor the decision log (their pages would say 403).
    expect(page.get_by_role("link", name="Inbox")).to_be_visible()
    expect(page.get_by_role("link", name="Programme")).to_have_count(0)
    expect(page.get_by_role("link", name="Decision log")).to_have_count(0)
    cookie = next(c for c in person.context.cookies() if c["name"] == "so_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]  # plain http here
    # The session cookie is not an API token.
    api = httpx.get(f"{live_url}/v1/approvals", headers={"Authorization": f"Bearer {cookie['value']}"})
    assert api.status_code == 401

    # The session expires: the next page is sign-in, with a message, and returns to the page asked for.
    clock.set(DECISION_TIME + timedelta(minutes=481))
    page = person.goto("/delegation")
    expect(page).to_have_url(re.compile(r"/sign-in\?notice=expired&next=%2Fdelegation$"))
    expect(page.get_by_role("status")).to_have_text("Your session has expired. Sign in again.")
    person.check("13-sign-in-expired")
    page.get_by_label("Personal token").fill(directory_tokens[OWNER])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/delegation$"))

    # Signing out revokes the session: a copy of the cookie no longer opens a page.
    copied = next(c for c in person.context.cookies() if c["name"] == "so_session")["value"]
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    after = httpx.get(f"{live_url}/inbox", cookies={"so_session": copied}, follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/sign-in")


def test_csrf_double_submit_and_stale_task(
    http: httpx.Client, directory_tokens: dict[str, str], visitors, live_url: str
) -> None:
    case_id = http.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    owner = visitors("owner")
    owner.sign_in(directory_tokens[OWNER])
    owner.goto(f"/cases/{case_id}")
    task = next(t for t in _case(live_url, directory_tokens[OWNER], case_id)["tasks"] if t["status"] == "open")
    client, csrf = owner.session_client()
    with client:
        # Without the session's form token (or with another's) nothing happens.
        for token in (None, "0" * 64):
            data = {"case_id": case_id} | ({"csrf_token": token} if token else {})
            refused = client.post(f"/tasks/{task['id']}/approve", data=data)
            assert refused.status_code == 403 and "did not come from your current session" in refused.text
        assert _case(live_url, directory_tokens[OWNER], case_id)["tasks"][0]["status"] == "open"

        # The same form twice acts once; the second says it was already recorded.
        form = {"case_id": case_id, "csrf_token": csrf, "note": ""}
        first = client.post(f"/tasks/{task['id']}/approve", data=form)
        second = client.post(f"/tasks/{task['id']}/approve", data=form)
        assert first.status_code == 303 and first.headers["location"].endswith("notice=approved")
        assert second.status_code == 303 and second.headers["location"].endswith("notice=already_done")
    events = [e["event"] for e in _case(live_url, directory_tokens[OWNER], case_id)["timeline"]]
    assert events.count("approved") == 1

    # Finance has the case open; revops rejects meanwhile; finance's approval is stale and says so.
    finance = visitors("finance")
    finance.sign_in(directory_tokens[FINANCE])
    page = finance.goto(f"/cases/{case_id}")
    stage2 = {t["role"]: t for t in _case(live_url, directory_tokens[OWNER], case_id)["tasks"] if t["stage"] == 2}
    rejected = httpx.post(
        f"{live_url}/v1/approvals/{stage2['revops']['id']}/reject",
        json={"note": "Not in this quarter's budget."},
        headers={"Authorization": f"Bearer {directory_tokens[REVOPS]}"},
    )
    assert rejected.status_code == 200
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert")).to_contain_text("already acted on")
    finance.check("14-case-stale-task")
    case = _case(live_url, directory_tokens[OWNER], case_id)
    assert case["status"] == "rejected"
    assert next(t for t in case["tasks"] if t["role"] == "finance")["acted_by"] is None


def test_a_revision_sent_twice_is_decided_once(
    http: httpx.Client, directory_tokens: dict[str, str], visitors, live_url: str
) -> None:
    decided = http.post("/v1/save-cases", json=load_example("pause-unclear"))
    assert decided.json()["outcome"] == "pause"
    case_id = decided.json()["case_id"]
    owner = visitors("paused owner")
    owner.sign_in(directory_tokens["u-csm-08"])
    page = owner.goto(f"/cases/{case_id}")
    expect(page.get_by_role("heading", name="Revise the case")).to_be_visible()
    owner.check("24-case-paused-revise")
    form = {
        name: page.locator(f"[name={name}]").input_value()
        for name in ("event_id", "offer_type", "discount_pct", "duration_months", "credit_amount")
    }
    form["reason_text"] = "The platform is too slow for our analysts; support tickets went unanswered for a week."
    client, csrf = owner.session_client()
    with client:
        sent = [client.post(f"/cases/{case_id}/revise", data=form | {"csrf_token": csrf}) for _ in range(2)]
    assert [r.status_code for r in sent] == [303, 303]
    case = _case(live_url, directory_tokens["u-csm-08"], case_id)
    assert len(case["decision_ids"]) == 2, "the second send replays the first revision"
    assert case["decision"]["event_id"] == form["event_id"]
    assert case["decision"]["evidence"]["case"]["customer_reason"]["text"] == form["reason_text"]
