"""The approval chain end to end, through real HTTP, a real OPA and each real database."""

import httpx

from tests.approvals.conftest import People
from tests.conftest import load_example


def _open_tasks(case: dict, *, stage: int | None = None) -> dict[str, dict]:
    return {t["role"]: t for t in case["tasks"] if t["status"] == "open" and (stage is None or t["stage"] == stage)}


def test_strategic_discount_goes_from_webhook_to_authorization(http: httpx.Client, people: People) -> None:
    decided = http.post("/v1/save-cases", json=load_example("price-discount"))
    assert decided.status_code == 201, decided.text
    case_id = decided.json()["case_id"]

    # Stage 1: the account owner alone.
    case = people["u-am-04"].get(f"/v1/save-cases/{case_id}").json()
    assert case["status"] == "in_review"
    assert case["current_stage"] == 1
    assert set(_open_tasks(case)) == {"account_owner"}
    inbox = people["u-am-04"].get("/v1/approvals", params={"assignee": "me"}).json()["items"]
    assert [item["task"]["role"] for item in inbox] == ["account_owner"]
    assert inbox[0]["summary"]["offer"]["discount_tier"] == "strategic"
    owner_task = inbox[0]["task"]["id"]
    approved = people["u-am-04"].post(f"/v1/approvals/{owner_task}/approve", json={"note": "customer is strategic"})
    assert approved.status_code == 200, approved.text

    # Stage 2: finance and revops in parallel; both must approve.
    case = approved.json()
    assert case["current_stage"] == 2
    stage2 = _open_tasks(case, stage=2)
    assert set(stage2) == {"finance", "revops"}
    assert stage2["finance"]["assignee_id"] == "u-fin-01"
    assert stage2["revops"]["assignee_id"] == "u-revops-01"
    after_revops = people["u-revops-01"].post(f"/v1/approvals/{stage2['revops']['id']}/approve", json={})
    assert after_revops.json()["current_stage"] == 2, "one approval of a parallel stage must not advance it"
    after_finance = people["u-fin-01"].post(f"/v1/approvals/{stage2['finance']['id']}/approve", json={})

    # Stage 3: an executive.
    case = after_finance.json()
    assert case["current_stage"] == 3
    stage3 = _open_tasks(case, stage=3)
    assert set(stage3) == {"executive"}
    final = people["u-exec-01"].post(f"/v1/approvals/{stage3['executive']['id']}/approve", json={})
    assert final.status_code == 200, final.text
    case = final.json()
    assert case["status"] == "authorized"
    assert case["authorized_offer"] == {
        "type": "discount",
        "discount_pct": 22,
        "duration_months": 12,
        "credit_amount": 0,
    }
    events = [e["event"] for e in case["timeline"]]
    assert events.count("approved") == 4
    assert events[-1] == "authorized"
    assert all(e["at"] for e in case["timeline"])

    # Nothing can be approved after authorization, so nobody can widen the offer.
    again = people["u-exec-01"].post(f"/v1/approvals/{stage3['executive']['id']}/approve", json={})
    assert again.status_code == 409


def test_out_of_turn_twice_requester_and_anonymous_approvals_are_refused(http: httpx.Client, people: People) -> None:
    case_id = http.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    case = people["u-am-04"].get(f"/v1/save-cases/{case_id}").json()
    owner_task = _open_tasks(case)["account_owner"]["id"]

    assert people.anonymous.post(f"/v1/approvals/{owner_task}/approve", json={}).status_code == 401
    # The requester (u-csm-31) has no task and cannot act on the owner's.
    assert people["u-csm-31"].post(f"/v1/approvals/{owner_task}/approve", json={}).status_code == 403
    # Someone with no role in the case sees nothing of it.
    assert people["u-csm-08"].get(f"/v1/save-cases/{case_id}").status_code == 404

    case = people["u-am-04"].post(f"/v1/approvals/{owner_task}/approve", json={}).json()
    # Twice: the task is done.
    assert people["u-am-04"].post(f"/v1/approvals/{owner_task}/approve", json={}).status_code == 409
    # Out of turn: the stage-3 role cannot act before stage 2 is done (there is no stage-3 task yet),
    # and finance's task cannot be taken by revops.
    stage2 = _open_tasks(case, stage=2)
    assert people["u-revops-01"].post(f"/v1/approvals/{stage2['finance']['id']}/approve", json={}).status_code == 403
    assert people["u-exec-01"].post(f"/v1/approvals/{stage2['finance']['id']}/approve", json={}).status_code == 403
