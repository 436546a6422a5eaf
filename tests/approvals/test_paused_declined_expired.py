"""Paused and declined cases go back to the owner; resubmission re-decides; cases past renewal expire."""

from datetime import timedelta

import httpx

from app.approvals import scheduler
from app.clock import FixedClock
from app.config import Settings
from app.database import create_engine, create_session_factory
from app.policy.client import PolicyClient
from tests.approvals.conftest import People
from tests.conftest import load_example


def test_a_paused_case_is_completed_by_its_owner_and_re_decided(http: httpx.Client, people: People) -> None:
    paused = http.post("/v1/save-cases", json=load_example("pause-unclear")).json()
    assert paused["outcome"] == "pause"
    owner = people["u-csm-08"]
    case = owner.get(f"/v1/save-cases/{paused['case_id']}").json()
    assert case["status"] == "paused"
    [task] = [t for t in case["tasks"] if t["status"] == "open"]
    assert (task["kind"], task["assignee_id"]) == ("complete_evidence", "u-csm-08")
    # Completing evidence is done by resubmitting, not by approving.
    assert owner.post(f"/v1/approvals/{task['id']}/approve", json={}).status_code == 409

    completed = load_example("pause-unclear")
    completed["event_id"] = "cs-platform-55410-completed"
    completed["account"]["gross_margin_pct"] = 70
    completed["customer_reason"] = {
        "category": "value",
        "text": "We are not using half the seats.",
        "sentiment": "calm",
    }
    redecided = owner.post(f"/v1/save-cases/{paused['case_id']}/revisions", json=completed)
    assert redecided.status_code == 201, redecided.text
    assert redecided.json()["outcome"] == "route"
    case = owner.get(f"/v1/save-cases/{paused['case_id']}").json()
    assert case["status"] == "in_review"
    assert task["id"] in [t["id"] for t in case["tasks"] if t["status"] == "superseded"]
    # Replaying the same revision returns the stored decision and changes nothing.
    replay = owner.post(f"/v1/save-cases/{paused['case_id']}/revisions", json=completed)
    assert replay.status_code == 200 and replay.json()["id"] == redecided.json()["id"]
    assert owner.get(f"/v1/save-cases/{paused['case_id']}").json()["timeline"] == case["timeline"]


def test_a_declined_case_tells_the_owner_why_and_accepts_another_offer(http: httpx.Client, people: People) -> None:
    case_in = load_example("service-recovery")
    case_in["proposed_offer"] = {
        **case_in["proposed_offer"],
        "type": "discount",
        "discount_pct": 10,
        "duration_months": 6,
        "credit_amount": 0,
    }
    declined = http.post("/v1/save-cases", json=case_in).json()
    assert declined["outcome"] == "decline"
    assert declined["decision"]["violations"] == ["offer_not_approved_for_reason"]
    owner = people["u-csm-17"]
    case = owner.get(f"/v1/save-cases/{declined['case_id']}").json()
    assert case["status"] == "declined"
    assert [t["kind"] for t in case["tasks"] if t["status"] == "open"] == ["revise_offer"]

    again = load_example("service-recovery")
    again["event_id"] = "sf-evt-000123-r1"
    routed = owner.post(f"/v1/save-cases/{declined['case_id']}/revisions", json=again)
    assert routed.json()["outcome"] == "route"
    case = owner.get(f"/v1/save-cases/{declined['case_id']}").json()
    # The owner requested this case, so the owner stage goes to the owner's escalation target.
    [review] = [t for t in case["tasks"] if t["status"] == "open"]
    assert (review["role"], review["assignee_id"]) == ("account_owner", "u-csl-01")
    assert owner.post(f"/v1/approvals/{review['id']}/approve", json={}).status_code == 403
    case = people["u-csl-01"].post(f"/v1/approvals/{review['id']}/approve", json={}).json()
    assert case["status"] == "authorized"
    assert case["authorized_offer"] == {
        "type": "service_credit",
        "discount_pct": 0,
        "duration_months": 0,
        "credit_amount": 3000,
    }
    # An authorized case cannot be revised: nobody can widen the authorized offer.
    wider = {
        **again,
        "event_id": "sf-evt-000123-r2",
        "proposed_offer": {**again["proposed_offer"], "credit_amount": 9000},
    }
    assert owner.post(f"/v1/save-cases/{declined['case_id']}/revisions", json=wider).status_code == 409
    assert owner.get(f"/v1/save-cases/{declined['case_id']}").json()["authorized_offer"]["credit_amount"] == 3000


def test_the_summary_shows_approvers_the_evidence_deterministically(http: httpx.Client, people: People) -> None:
    case_id = http.post("/v1/save-cases", json=load_example("price-discount")).json()["case_id"]
    first = people["u-am-04"].get(f"/v1/save-cases/{case_id}").json()["summary"]
    second = people["u-am-04"].get("/v1/approvals").json()["items"][0]["summary"]
    assert first == second
    assert first["reason_class"] == "price"
    assert first["account"]["arr"] == 310000
    assert round(first["account"]["margin_after_offer_pct"], 2) == 71.79
    assert first["contract"]["days_to_renewal"] == 49
    assert first["offer"]["offer_cost"] == 68200
    rules = {r["rule"] for r in first["chain_rules"]}
    assert {"tier.strategic", "chain.finance.tier", "chain.revops.tier", "escalation.executive.arr"} <= rules


async def test_unfinished_cases_expire_after_the_renewal_date(
    http: httpx.Client, people: People, clock: FixedClock, settings: Settings, opa_server
) -> None:
    case_id = http.post("/v1/save-cases", json=load_example("pause-unclear")).json()["case_id"]
    renewal = (
        people["u-csm-08"]
        .get(f"/v1/save-cases/{case_id}")
        .json()["decision"]["evidence"]["case"]["contract"]["renewal_date"]
    )
    engine = create_engine(settings.database_url)
    policy = PolicyClient(url=opa_server.url, timeout_seconds=2, retries=1)
    await policy.open()
    try:
        factory = create_session_factory(engine)
        clock.set(clock.now().replace(year=2026, month=12, day=1, hour=23))
        assert clock.now().date().isoformat() == renewal
        _, expired_on_the_day = await scheduler.run_once(factory=factory, targets=policy, clock=clock, crm_url=None)
        clock.set(clock.now() + timedelta(days=1))
        _, expired_after = await scheduler.run_once(factory=factory, targets=policy, clock=clock, crm_url=None)
    finally:
        await policy.close()
        await engine.dispose()
    assert (expired_on_the_day, expired_after) == (0, 1)
    case = people["u-csm-08"].get(f"/v1/save-cases/{case_id}").json()
    assert case["status"] == "expired"
    assert not [t for t in case["tasks"] if t["status"] == "open"]
    assert case["timeline"][-1]["event"] == "expired"
