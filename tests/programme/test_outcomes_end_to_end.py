"""What an authorized offer led to, end to end over real HTTP, a real OPA and each real database."""

from datetime import datetime, timedelta

import httpx
import pytest

from app.cases.examples import shift_dates
from app.clock import FixedClock
from tests.approvals.conftest import People
from tests.conftest import DECISION_TIME, load_example

OWNER = "u-csm-17"  # the service-recovery example's account owner


def _decide(http: httpx.Client, event_id: str, *, at: datetime = DECISION_TIME) -> dict:
    """The service-recovery example (a service credit, a concession) for its account, decided at `at`."""
    case = shift_dates(load_example("service-recovery"), now=at)
    case["event_id"] = event_id
    decided = http.post("/v1/save-cases", json=case)
    assert decided.status_code == 201, decided.text
    return decided.json()


def _approve_all(people: People, case_id: str, *, owner: str = OWNER) -> dict:
    """Each open review task approved by its assignee until the chain ends."""
    for _ in range(6):
        case = people[owner].get(f"/v1/save-cases/{case_id}").json()
        open_tasks = [t for t in case["tasks"] if t["status"] == "open" and t["kind"] == "review"]
        if not open_tasks:
            return case
        for task in open_tasks:
            done = people[task["assignee_id"]].post(f"/v1/approvals/{task['id']}/approve", json={})
            assert done.status_code == 200, done.text
    raise AssertionError("the chain did not end")


_BILLING = {"renewed", "payment_received", "payment_past_due", "subscription_cancelled"}


def _report(
    http: httpx.Client, case_id: str, event_id: str, kind: str, at: datetime, **extra: object
) -> httpx.Response:
    """A fact as the CRM (Salesforce) or the billing system reports it."""
    source = "billing" if kind in _BILLING else "salesforce"
    body = {"event_id": event_id, "source": source, "kind": kind, "occurred_at": at.isoformat(), **extra}
    return http.post(f"/v1/save-cases/{case_id}/outcomes", json=body)


def _programme(people: People) -> dict:
    answer = people["u-exec-01"].get("/v1/metrics/programme")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_save_is_confirmed_by_billing_after_the_window(http: httpx.Client, people: People, clock: FixedClock) -> None:
    case_id = _decide(http, "evt-confirm")["case_id"]
    assert _approve_all(people, case_id)["status"] == "authorized"

    clock.set(DECISION_TIME + timedelta(hours=3))
    presented = _report(http, case_id, "o-1", "offer_presented", DECISION_TIME + timedelta(hours=2))
    assert presented.status_code == 201, presented.text
    assert presented.json()["case_status"] == "offered"
    accepted_at = DECISION_TIME + timedelta(days=1)
    clock.set(accepted_at + timedelta(hours=1))
    assert _report(http, case_id, "o-2", "offer_accepted", accepted_at).json()["case_status"] == "accepted"
    # A payment inside the window shows the customer stays; it does not confirm the save.
    clock.set(accepted_at + timedelta(days=31))
    paid = _report(http, case_id, "b-1", "payment_received", accepted_at + timedelta(days=30), amount=7000)
    assert paid.json()["case_status"] == "saved"
    figures = _programme(people)
    assert (figures["save_rate"]["numerator"], figures["confirmed_save_rate"]["numerator"]) == (1, 0)
    assert figures["retained_arr"] == 0

    # The clock passes the window's end (90 days after acceptance): the next payment confirms it.
    clock.set(accepted_at + timedelta(days=95))
    assert _report(http, case_id, "b-2", "payment_received", accepted_at + timedelta(days=91)).status_code == 201
    figures = _programme(people)
    assert figures["confirmed_save_rate"] == {"numerator": 1, "denominator": 1, "rate": 1.0}
    assert figures["retained_arr"] == 84000
    # 84,000 × 72 % margin after a 3,000 credit on 84,000 ARR (70.9 %), less the credit.
    assert figures["retained_margin"] == pytest.approx(84000 * (1 - 0.28 / (1 - 3000 / 84000)) - 3000, abs=0.01)
    assert figures["regretted_saves"]["count"] == 0

    timeline = [e["event"] for e in people[OWNER].get(f"/v1/save-cases/{case_id}").json()["timeline"]]
    assert timeline[-4:] == ["offer_presented", "offer_accepted", "payment_received", "payment_received"]


def test_a_later_cancellation_makes_a_regretted_save_and_late_reports_are_judged_in_order(
    http: httpx.Client, people: People, clock: FixedClock
) -> None:
    case_id = _decide(http, "evt-regret")["case_id"]
    _approve_all(people, case_id)
    accepted_at = DECISION_TIME + timedelta(days=2)
    clock.set(accepted_at + timedelta(days=100))
    # Reported out of order: the stay first, then the acceptance that came before it.
    assert _report(http, case_id, "o-s", "customer_stayed", accepted_at + timedelta(days=10)).json()["case_status"] == (
        "authorized"
    )
    assert _report(http, case_id, "o-a", "offer_accepted", accepted_at).json()["case_status"] == "saved"
    assert _programme(people)["regretted_saves"]["count"] == 0

    # A cancellation two months after the save, reported late: lost, and a regretted save.
    lost = _report(http, case_id, "b-x", "subscription_cancelled", accepted_at + timedelta(days=60))
    assert lost.json()["case_status"] == "lost"
    figures = _programme(people)
    assert figures["save_rate"]["numerator"] == 0
    [regretted] = figures["regretted_saves"]["cases"]
    assert (regretted["case_id"], regretted["reasons"]) == (case_id, ["lost_within_window"])
    # Lost is final: a later stay does not bring it back.
    assert _report(http, case_id, "o-s2", "customer_stayed", accepted_at + timedelta(days=90)).json()[
        "case_status"
    ] == ("lost")


def test_reports_are_idempotent_checked_and_refused_for_an_offer_never_authorized(
    http: httpx.Client, people: People, clock: FixedClock, source_tokens: dict[str, str]
) -> None:
    case_id = _decide(http, "evt-checks")["case_id"]
    # Still in review: nothing was authorized, so nothing can have been presented.
    early = _report(http, case_id, "o-early", "offer_presented", DECISION_TIME)
    assert early.status_code == 409
    assert early.json()["code"] == "offer_not_authorized"
    assert early.json()["current"]["status"] == "in_review"
    _approve_all(people, case_id)
    clock.set(DECISION_TIME + timedelta(days=3))

    first = _report(http, case_id, "o-1", "offer_accepted", DECISION_TIME + timedelta(days=1))
    again = _report(http, case_id, "o-1", "offer_accepted", DECISION_TIME + timedelta(days=1))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    changed = _report(http, case_id, "o-1", "offer_declined", DECISION_TIME + timedelta(days=1))
    assert changed.status_code == 409 and changed.json()["code"] == "idempotency_conflict"
    timeline = [e["event"] for e in people[OWNER].get(f"/v1/save-cases/{case_id}").json()["timeline"]]
    assert timeline.count("offer_accepted") == 1

    future = _report(http, case_id, "o-2", "customer_stayed", DECISION_TIME + timedelta(days=30))
    assert future.status_code == 422 and "occurred_at" in future.text
    before_authorization = _report(http, case_id, "o-3", "offer_presented", DECISION_TIME - timedelta(days=1))
    assert before_authorization.status_code == 422 and "authorized" in before_authorization.text
    # The CRM's credential cannot report the billing system's events.
    as_crm = http.post(
        f"/v1/save-cases/{case_id}/outcomes",
        json={"event_id": "b-9", "source": "billing", "kind": "renewed", "occurred_at": DECISION_TIME.isoformat()},
        headers={"Authorization": f"Bearer {source_tokens['salesforce']}"},
        auth=None,
    )
    assert as_crm.status_code == 403
    missing = _report(http, "no-such-case", "o-4", "offer_presented", DECISION_TIME)
    assert missing.status_code == 404
    # People read the programme by role: a CSM does not.
    assert people["u-csm-31"].get("/v1/metrics/programme").status_code == 403


def test_a_third_concession_in_a_year_is_declined_and_the_second_needs_finance(
    http: httpx.Client, people: People, clock: FixedClock
) -> None:
    first = _decide(http, "evt-c1")
    assert [stage["roles"] for stage in first["decision"]["approval_chain"]] == [["account_owner"]]
    _approve_all(people, first["case_id"])

    clock.set(DECISION_TIME + timedelta(days=40))
    second = _decide(http, "evt-c2", at=clock.now())
    assert ["finance"] in [stage["roles"] for stage in second["decision"]["approval_chain"]]
    assert "chain.finance.repeat_concession" in {e["rule"] for e in second["decision"]["explanations"]}
    _approve_all(people, second["case_id"])

    clock.set(DECISION_TIME + timedelta(days=80))
    third = _decide(http, "evt-c3", at=clock.now())
    assert third["decision"]["outcome"] == "decline"
    assert third["decision"]["violations"] == ["repeat_concession_limit"]
    assert third["evidence"]["history"]["concessions"]["count"] == 2
    # A year after the first, only one concession is in the window again: the fourth goes to finance.
    clock.set(DECISION_TIME + timedelta(days=370))
    fourth = _decide(http, "evt-c4", at=clock.now())
    assert fourth["decision"]["outcome"] == "route"
    assert fourth["evidence"]["history"]["concessions"]["count"] == 1


def test_a_discount_while_an_earlier_one_runs_is_declined(
    http: httpx.Client, people: People, clock: FixedClock
) -> None:
    first = http.post("/v1/save-cases", json=load_example("price-discount"))
    assert first.status_code == 201, first.text
    assert _approve_all(people, first.json()["case_id"], owner="u-am-04")["status"] == "authorized"
    clock.set(DECISION_TIME + timedelta(days=30))
    again = shift_dates(load_example("price-discount"), now=clock.now())
    again["event_id"] = "evt-second-discount"
    second = http.post("/v1/save-cases", json=again).json()
    # The first discount (12 months from its authorization) still runs.
    assert second["evidence"]["history"]["discount"]["running"] is True
    assert "discount_already_active" in second["decision"]["violations"]
    assert second["decision"]["outcome"] == "decline"
