"""Request changes and re-decision; deadlines that pass and escalate; delegation; one person, one stage."""

import time
from datetime import timedelta

import httpx
import pytest

from app.clock import FixedClock
from app.config import Settings
from app.main import create_app
from tests.approvals.conftest import People
from tests.conftest import BySourceToken, load_example
from tests.support.live_server import serve


def _open(case: dict) -> dict[str, dict]:
    return {t["role"]: t for t in case["tasks"] if t["status"] == "open"}


def test_request_changes_returns_the_case_and_a_revision_restarts_the_chain(http: httpx.Client, people: People) -> None:
    original = load_example("price-discount")
    case_id = http.post("/v1/save-cases", json=original).json()["case_id"]
    owner_task = _open(people["u-am-04"].get(f"/v1/save-cases/{case_id}").json())["account_owner"]["id"]

    no_guidance = people["u-am-04"].post(f"/v1/approvals/{owner_task}/request-changes", json={})
    assert no_guidance.status_code == 400
    returned = (
        people["u-am-04"]
        .post(f"/v1/approvals/{owner_task}/request-changes", json={"note": "Try 15% for 12 months first."})
        .json()
    )
    assert returned["status"] == "changes_requested"
    revise_task = _open(returned)["account_owner"]
    assert revise_task["kind"] == "revise_offer"
    assert revise_task["assignee_id"] == "u-csm-31", "the case returns to its requester"

    revised = {
        **original,
        "event_id": "hs-7781-renewal-r1",
        "proposed_offer": {**original["proposed_offer"], "discount_pct": 15},
    }
    # Someone unrelated cannot revise it; the requester can.
    assert people["u-fin-01"].post(f"/v1/save-cases/{case_id}/revisions", json=revised).status_code == 404
    redecided = people["u-csm-31"].post(f"/v1/save-cases/{case_id}/revisions", json=revised)
    assert redecided.status_code == 201, redecided.text
    assert redecided.json()["case_id"] == case_id
    assert redecided.json()["decision"]["discount_tier"] == "elevated"

    case = people["u-am-04"].get(f"/v1/save-cases/{case_id}").json()
    assert case["status"] == "in_review"
    assert case["current_stage"] == 1
    assert case["decision"]["id"] == redecided.json()["id"]
    assert len(case["decision_ids"]) == 2
    assert [e["event"] for e in case["timeline"]].count("redecided") == 1
    # Owner again, then finance only (elevated tier), then the executive (ARR over 250,000).
    owner_task = _open(case)["account_owner"]["id"]
    case = people["u-am-04"].post(f"/v1/approvals/{owner_task}/approve", json={}).json()
    assert set(_open(case)) == {"finance"}
    # A revised case that is in review again cannot be revised until it is returned.
    again = {**revised, "event_id": "hs-7781-renewal-r2"}
    assert people["u-csm-31"].post(f"/v1/save-cases/{case_id}/revisions", json=again).status_code == 409


def test_reject_ends_the_case_with_a_reason(http: httpx.Client, people: People) -> None:
    case_id = http.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    owner_task = _open(people["u-am-04"].get(f"/v1/save-cases/{case_id}").json())["account_owner"]["id"]
    assert people["u-am-04"].post(f"/v1/approvals/{owner_task}/reject", json={"note": " "}).status_code == 400
    case = people["u-am-04"].post(f"/v1/approvals/{owner_task}/reject", json={"note": "Not worth the margin."}).json()
    assert case["status"] == "rejected"
    assert case["authorized_offer"] is None
    assert not _open(case)
    event = next(e for e in case["timeline"] if e["event"] == "rejected")
    assert event["actor_id"] == "u-am-04" and event["note"] == "Not worth the margin."
    assert event["before"]["status"] == "in_review" and event["after"]["status"] == "rejected"


def test_a_delegate_acts_for_an_absent_approver_and_is_recorded_as_such(
    http: httpx.Client, people: People, clock: FixedClock
) -> None:
    now = clock.now()
    delegation = people["u-am-04"].post(
        "/v1/people/u-am-04/delegations",
        json={
            "delegate_id": "u-csm-08",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(days=7)).isoformat(),
        },
    )
    assert delegation.status_code == 201, delegation.text
    case_id = http.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    inbox = people["u-csm-08"].get("/v1/approvals", params={"assignee": "me"}).json()["items"]
    assert [i["task"]["assignee_id"] for i in inbox] == ["u-am-04"]
    case = people["u-csm-08"].post(f"/v1/approvals/{inbox[0]['task']['id']}/approve", json={}).json()
    owner_task = next(t for t in case["tasks"] if t["role"] == "account_owner")
    assert owner_task["acted_by"] == "u-csm-08"
    assert owner_task["acted_on_behalf_of"] == "u-am-04"
    assert "delegated" in [e["event"] for e in case["timeline"]]
    # After the delegation is revoked the delegate loses access to new work.
    people["u-am-04"].delete(f"/v1/delegations/{delegation.json()['id']}").raise_for_status()
    assert people["u-csm-08"].get("/v1/approvals").json()["items"] == []
    assert people["u-csm-08"].get(f"/v1/save-cases/{case_id}").status_code == 404


def test_one_person_cannot_approve_two_stages(http: httpx.Client, people: People) -> None:
    admin = people["u-admin"]
    # Give the account owner the finance role too: they must not get the finance task after approving stage 1.
    admin.put(
        "/v1/people/u-am-04", json={"name": "Alex Meyer", "roles": ["account_owner", "finance"]}
    ).raise_for_status()
    admin.put("/v1/people/u-fin-01", json={"name": "Fran Ng", "roles": ["finance"], "active": False}).raise_for_status()
    case_id = http.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    owner_task = _open(people["u-am-04"].get(f"/v1/save-cases/{case_id}").json())["account_owner"]["id"]
    case = people["u-am-04"].post(f"/v1/approvals/{owner_task}/approve", json={}).json()
    # The only other finance holder is inactive and the owner already approved stage 1: the stage
    # cannot be staffed, so the case is held with a named reason, and no task goes to nobody.
    assert (case["status"], case["hold_reason"], case["current_stage"]) == ("paused", "no_eligible_approver", None)
    assert all(t["assignee_id"] for t in case["tasks"])
    assert not [t for t in case["tasks"] if t["status"] == "open" and t["kind"] == "review"]
    held = [e for e in case["timeline"] if e["event"] == "held"]
    assert len(held) == 1 and "finance" in held[0]["note"]
    [revise] = [t for t in case["tasks"] if t["status"] == "open"]
    assert (revise["kind"], revise["assignee_id"]) == ("complete_evidence", "u-am-04")


@pytest.fixture
def scheduled_url(settings: Settings, clock: FixedClock, directory_tokens: dict[str, str]):
    """The service with its escalation scheduler running every 0.1 s against the test's clock."""
    fast = settings.model_copy(
        update={"background_jobs": True, "scheduler_interval_seconds": 0.1, "outbox_interval_seconds": 0.1}
    )
    with serve(create_app(settings=fast, clock=clock)) as url:
        yield url


def test_a_passed_deadline_escalates_to_the_policy_target_and_keeps_the_original_open(
    scheduled_url: str,
    clock: FixedClock,
    directory_tokens: dict[str, str],
    service_token: str,
    source_tokens: dict[str, str],
) -> None:
    people = People(scheduled_url, directory_tokens)
    crm = httpx.Client(base_url=scheduled_url, auth=BySourceToken(source_tokens, default=service_token))
    try:
        decided = crm.post("/v1/save-cases", json=load_example("price-discount")).json()
        case_id = decided["case_id"]
        sla = decided["decision"]["approval_chain"][0]["sla_hours"]
        case = people["u-am-04"].get(f"/v1/save-cases/{case_id}").json()
        owner_task = _open(case)["account_owner"]
        assert owner_task["due_at"].startswith((clock.now() + timedelta(hours=sla)).strftime("%Y-%m-%dT%H"))

        clock.set(clock.now() + timedelta(hours=sla, minutes=1))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            case = people["u-am-04"].get(f"/v1/save-cases/{case_id}").json()
            if "escalated" in [e["event"] for e in case["timeline"]]:
                break
            time.sleep(0.1)
        open_tasks = [t for t in case["tasks"] if t["status"] == "open"]
        assert {t["role"] for t in open_tasks} == {"account_owner", "cs_leadership"}
        escalation = next(t for t in open_tasks if t["role"] == "cs_leadership")
        assert escalation["escalates_task_id"] == owner_task["id"]
        assert escalation["assignee_id"] == "u-csl-01"
        assert [e["event"] for e in case["timeline"]].count("escalated") == 1

        # Later ticks do not escalate the same task again.
        time.sleep(0.5)
        case = people["u-am-04"].get(f"/v1/save-cases/{case_id}").json()
        assert [e["event"] for e in case["timeline"]].count("escalated") == 1
        # The escalation target can act for the stage; the original task is then superseded.
        case = people["u-csl-01"].post(f"/v1/approvals/{escalation['id']}/approve", json={}).json()
        assert case["current_stage"] == 2
        assert next(t for t in case["tasks"] if t["id"] == owner_task["id"])["status"] == "superseded"
    finally:
        people.close()
        crm.close()
