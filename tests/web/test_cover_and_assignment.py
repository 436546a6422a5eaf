"""Out-of-office cover and assignment through the pages, under the domain's separation of duties."""

import re
from datetime import timedelta

import httpx
from playwright.sync_api import expect

from tests.conftest import DECISION_TIME, load_example

OWNER, REQUESTER, OTHER_OWNER, ADMIN = "u-am-04", "u-csm-31", "u-csm-08", "u-admin"


def _at(delta: timedelta) -> str:
    return (DECISION_TIME + delta).strftime("%Y-%m-%dT%H:%M")


def test_cover_stands_in_but_never_for_the_requester_own_case(
    http: httpx.Client, directory_tokens: dict[str, str], visitors
) -> None:
    assert http.post("/v1/save-cases", json=load_example("price-discount")).status_code == 201
    owner = visitors("owner")
    owner.sign_in(directory_tokens[OWNER])
    page = owner.goto("/delegation")
    page.get_by_label("Delegate's person id").fill(REQUESTER)
    page.get_by_label("From (UTC)").fill(_at(timedelta(0)))
    page.get_by_label("Until (UTC)").fill(_at(timedelta(days=-1)))
    page.get_by_role("button", name="Set cover").click()
    expect(page.locator("#ends_at-error")).to_contain_text("ends_at must be after starts_at")
    owner.check("20-delegation-bad-input")
    page.get_by_label("Until (UTC)").fill(_at(timedelta(days=7)))
    page.get_by_role("button", name="Set cover").click()
    expect(page.get_by_role("status")).to_have_text("Your out-of-office cover is set.")
    expect(page.get_by_text("Sam Ortiz (u-csm-31)")).to_be_visible()
    owner.check("21-delegation")

    # The cover sees the owner's task, standing in; but as the case's requester may not review it.
    cover = visitors("cover")
    page = cover.sign_in(directory_tokens[REQUESTER])
    expect(page.get_by_role("cell", name="Standing in for Alex Meyer")).to_be_visible()
    page.get_by_role("link", name="Contoso Health").click()
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert")).to_have_text("The requester of a case cannot review it.")
    cover.check("22-case-separation-of-duties")

    page = owner.goto("/delegation")
    page.get_by_role("button", name="End this cover").click()
    expect(page.get_by_role("status")).to_have_text("Your out-of-office cover has ended.")
    expect(page.get_by_text("Nobody stands in for you now.")).to_be_visible()
    page = cover.goto("/inbox")
    expect(page.get_by_text("Nothing is waiting for you.")).to_be_visible()


def test_administrator_assigns_a_task_once_and_never_to_the_requester(
    http: httpx.Client, directory_tokens: dict[str, str], visitors
) -> None:
    case_id = http.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    admin = visitors("admin")
    admin.sign_in(directory_tokens[ADMIN])
    page = admin.goto(f"/cases/{case_id}")
    field = page.get_by_label(re.compile(r"^account owner \(stage 1\)"))
    field.select_option(REQUESTER)
    page.get_by_role("button", name="Assign").click()
    expect(page.locator(".field.invalid .error")).to_contain_text("The requester of a case cannot review it.")
    admin.check("23-case-assign-refused")
    page.get_by_label(re.compile(r"^account owner \(stage 1\)")).select_option(OTHER_OWNER)
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_have_text("The task is assigned.")
    expect(page.locator("ol.chain")).to_contain_text("account owner: Jo Park")

    # The same assignment sent again changes nothing and says so.
    task_id = page.locator("form[action$='/assign']").first.get_attribute("action").split("/")[2]
    client, csrf = admin.session_client()
    with client:
        again = client.post(
            f"/tasks/{task_id}/assign", data={"csrf_token": csrf, "case_id": case_id, "assignee_id": OTHER_OWNER}
        )
    assert again.status_code == 303 and again.headers["location"].endswith("notice=already_done")

    other = visitors("new assignee")
    page = other.sign_in(directory_tokens[OTHER_OWNER])
    expect(page.get_by_role("link", name="Contoso Health")).to_be_visible()
