"""Separation of duties, each hole found by the insider attack closed, through real HTTP on both databases.

One individual takes part in at most one task of a decision's approval chain:
not two roles of one stage, not two stages, not as a delegate, not through a
token issued for someone else. Approvers come from system data, and
integrations only decide and read.
"""

from datetime import timedelta

import httpx
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy import text

from app.clock import FixedClock
from app.database import sync_url
from tests.approvals.conftest import People
from tests.conftest import load_example


def _open(case: dict, *, stage: int | None = None) -> dict[str, dict]:
    return {
        t["role"]: t
        for t in case["tasks"]
        if t["status"] == "open" and t["kind"] == "review" and (stage is None or t["stage"] == stage)
    }


def _to_stage_two(http: httpx.Client, people: People) -> dict:
    case_id = http.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    owner_task = _open(people["u-am-04"].get(f"/v1/save-cases/{case_id}").json())["account_owner"]["id"]
    case = people["u-am-04"].post(f"/v1/approvals/{owner_task}/approve", json={}).json()
    assert case["current_stage"] == 2, case
    return case


def _token_rows(database_url: str) -> dict[str, dict]:
    engine = create_sync_engine(sync_url(database_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, kind, person_id, issued_by, exchanged_from_id, exchanged_at FROM api_tokens")
            )
            return {row.id: dict(row._mapping) for row in rows}
    finally:
        engine.dispose()


def test_one_person_holding_two_roles_of_a_stage_gets_one_of_them(http: httpx.Client, people: People) -> None:
    admin = people["u-admin"]
    # u-fin-01 sorts before u-revops-01, so without the rule they would get the revops task too.
    admin.put("/v1/people/u-fin-01", json={"name": "Fran Ng", "roles": ["finance", "revops"]}).raise_for_status()

    stage2 = _open(_to_stage_two(http, people), stage=2)

    assert stage2["finance"]["assignee_id"] == "u-fin-01"
    assert stage2["revops"]["assignee_id"] == "u-revops-01"


def test_a_role_with_no_other_eligible_person_holds_the_case_with_a_named_reason(
    http: httpx.Client, people: People
) -> None:
    admin = people["u-admin"]
    admin.put("/v1/people/u-fin-01", json={"name": "Fran Ng", "roles": ["finance", "revops"]}).raise_for_status()
    admin.put(
        "/v1/people/u-revops-01", json={"name": "Rae Diaz", "roles": ["revops"], "active": False}
    ).raise_for_status()

    case_id = http.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    owner_task = _open(people["u-am-04"].get(f"/v1/save-cases/{case_id}").json())["account_owner"]["id"]
    case = people["u-am-04"].post(f"/v1/approvals/{owner_task}/approve", json={}).json()

    assert (case["status"], case["hold_reason"]) == ("paused", "no_eligible_approver")
    assert not _open(case), "no review task is opened when the stage cannot be staffed"
    assert all(t["assignee_id"] for t in case["tasks"]), "no task is ever assigned to nobody"
    [held] = [e for e in case["timeline"] if e["event"] == "held"]
    assert "revops" in held["note"]


def test_a_delegate_of_two_approvers_of_one_stage_acts_for_one_only(
    http: httpx.Client, people: People, clock: FixedClock
) -> None:
    window = {"starts_at": clock.now().isoformat(), "ends_at": (clock.now() + timedelta(days=7)).isoformat()}
    for person in ("u-fin-01", "u-revops-01"):
        made = people[person].post(f"/v1/people/{person}/delegations", json={"delegate_id": "u-csm-08", **window})
        assert made.status_code == 201, made.text
    stage2 = _open(_to_stage_two(http, people), stage=2)

    first = people["u-csm-08"].post(f"/v1/approvals/{stage2['finance']['id']}/approve", json={})
    second = people["u-csm-08"].post(f"/v1/approvals/{stage2['revops']['id']}/approve", json={})

    assert first.status_code == 200, first.text
    assert second.status_code == 403, second.text
    assert "Separation of duties" in second.json()["detail"]
    # The real revops approver still can: the stage is not stuck.
    assert people["u-revops-01"].post(f"/v1/approvals/{stage2['revops']['id']}/approve", json={}).status_code == 200


def test_an_approver_of_one_stage_cannot_act_on_another_as_a_delegate(
    http: httpx.Client, people: People, clock: FixedClock
) -> None:
    window = {"starts_at": clock.now().isoformat(), "ends_at": (clock.now() + timedelta(days=7)).isoformat()}
    people["u-fin-01"].post(
        "/v1/people/u-fin-01/delegations", json={"delegate_id": "u-am-04", **window}
    ).raise_for_status()
    stage2 = _open(_to_stage_two(http, people), stage=2)

    # u-am-04 approved stage 1 and now stands in for finance: refused.
    refused = people["u-am-04"].post(f"/v1/approvals/{stage2['finance']['id']}/approve", json={})

    assert refused.status_code == 403, refused.text


def test_an_administrator_cannot_authorize_a_case_with_tokens_minted_for_others(
    http: httpx.Client, people: People, live_url: str, database_url: str
) -> None:
    admin = people["u-admin"]
    case_id = http.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    owner_task = _open(admin.get(f"/v1/save-cases/{case_id}").json())["account_owner"]["id"]
    # With their own token the administrator is not the assignee.
    assert admin.post(f"/v1/approvals/{owner_task}/approve", json={}).status_code == 403

    minted = admin.post("/v1/people/u-am-04/tokens", json={"label": "impersonation"})
    assert minted.status_code == 201 and minted.json()["kind"] == "temporary"
    as_owner = httpx.Client(base_url=live_url, headers={"Authorization": f"Bearer {minted.json()['token']}"})
    # A temporary credential cannot act on tasks, or anything but its exchange.
    refused = as_owner.post(f"/v1/approvals/{owner_task}/approve", json={})
    assert refused.status_code == 403 and "temporary credential" in refused.json()["detail"]
    assert as_owner.get(f"/v1/save-cases/{case_id}").status_code == 403

    # If the administrator exchanges it, the trail names them and the owner finds the credential used.
    exchanged = as_owner.post("/v1/tokens/exchange", json={"label": "mine now"})
    assert exchanged.status_code == 201
    rows = _token_rows(database_url)
    new, temporary = rows[exchanged.json()["id"]], rows[minted.json()["id"]]
    assert new["exchanged_from_id"] == temporary["id"]
    assert (temporary["kind"], temporary["issued_by"], temporary["person_id"]) == ("temporary", "u-admin", "u-am-04")
    assert temporary["exchanged_at"] is not None
    again = as_owner.post("/v1/tokens/exchange", json={"label": "the owner tries"})
    assert again.status_code == 401 and "already exchanged" in again.json()["detail"]

    # Every timeline event of an action records the token used, which leads back to who issued it.
    impersonated = httpx.Client(base_url=live_url, headers={"Authorization": f"Bearer {exchanged.json()['token']}"})
    case = impersonated.post(f"/v1/approvals/{owner_task}/approve", json={}).json()
    [approved] = [e for e in case["timeline"] if e["event"] == "approved"]
    assert approved["token_id"] == exchanged.json()["id"]
    for client in (as_owner, impersonated):
        client.close()


def test_a_revision_cannot_change_the_account_or_its_owner(http: httpx.Client, people: People) -> None:
    original = load_example("price-discount")
    case_id = http.post("/v1/save-cases", json=original).json()["case_id"]
    owner_task = _open(people["u-am-04"].get(f"/v1/save-cases/{case_id}").json())["account_owner"]["id"]
    people["u-am-04"].post(f"/v1/approvals/{owner_task}/request-changes", json={"note": "smaller"}).raise_for_status()
    requester = people["u-csm-31"]

    for field, value in (("owner_id", "u-csm-31"), ("owner_id", "u-nobody"), ("id", "another-account")):
        revised = {**original, "event_id": f"r-{field}-{value}", "account": {**original["account"], field: value}}
        response = requester.post(f"/v1/save-cases/{case_id}/revisions", json=revised)
        assert response.status_code == 422, response.text
        assert response.json()["detail"][0]["loc"] == ["body", "account", field]
    assert requester.get(f"/v1/save-cases/{case_id}").json()["status"] == "changes_requested"


def test_an_owner_who_is_not_an_active_person_holds_the_case_at_decide_time(http: httpx.Client, people: People) -> None:
    case_in = load_example("price-discount")
    case_in["account"]["owner_id"] = "u-nobody"

    decided = http.post("/v1/save-cases", json=case_in)

    assert decided.status_code == 201, decided.text
    case = people["u-csm-31"].get(f"/v1/save-cases/{decided.json()['case_id']}").json()
    assert (case["status"], case["hold_reason"]) == ("paused", "owner_unknown")
    [task] = case["tasks"]
    assert (task["kind"], task["assignee_id"]) == ("complete_evidence", "u-csm-31"), "the requester, never nobody"


def test_integrations_are_bound_to_their_source_and_only_decide_and_read(
    http: httpx.Client, people: People, live_url: str, source_tokens: dict[str, str]
) -> None:
    case_in = load_example("pause-unclear")  # a paused case, which its owner could revise
    hubspot = httpx.Client(base_url=live_url, headers={"Authorization": f"Bearer {source_tokens['hubspot']}"})
    # Posting as another CRM (and so claiming its event id) is refused, and the real event still goes through.
    assert case_in["source"] != "hubspot"
    claimed = hubspot.post("/v1/save-cases", json=case_in)
    assert claimed.status_code == 403, claimed.text
    decided = http.post("/v1/save-cases", json=case_in)
    assert decided.status_code == 201, decided.text
    case_id = decided.json()["case_id"]
    # Reading what it decided is fine; revising is people's work.
    assert http.get(f"/v1/save-cases/{case_id}").status_code == 200
    revised = {**case_in, "event_id": case_in["event_id"] + "-r1"}
    refused = http.post(f"/v1/save-cases/{case_id}/revisions", json=revised)
    assert refused.status_code == 403 and "people's work" in refused.json()["detail"]
    # And no approvals either.
    assert http.get("/v1/approvals").status_code == 403
    hubspot.close()
