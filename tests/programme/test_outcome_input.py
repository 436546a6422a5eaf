"""Outcome reports from a signed billing webhook, and malformed reports refused naming the field."""

import json

import httpx
import pytest
from pydantic import SecretStr

from app.config import Settings
from app.signing import sign
from tests.approvals.conftest import People
from tests.conftest import DECISION_TIME, load_example

BILLING_SECRET = "billing-test-secret"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings, with the billing system's webhook secret."""
    return settings.model_copy(update={"webhook_secrets": {"billing": SecretStr(BILLING_SECRET)}})


def _authorized_case(http: httpx.Client, people: People) -> str:
    case_id = http.post("/v1/save-cases", json=load_example("service-recovery")).json()["case_id"]
    [task] = people["u-csm-17"].get(f"/v1/save-cases/{case_id}").json()["tasks"]
    assert people[task["assignee_id"]].post(f"/v1/approvals/{task['id']}/approve", json={}).status_code == 200
    return case_id


def _signed(body: dict, *, secret: str = BILLING_SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    timestamp = str(int(DECISION_TIME.timestamp()))
    headers = {
        "X-Webhook-Source": "billing",
        "X-Webhook-Timestamp": timestamp,
        "X-Webhook-Signature": sign(secret=secret, timestamp=timestamp, body=raw),
        "content-type": "application/json",
    }
    return raw, headers


def test_a_signed_billing_webhook_reports_a_payment(http: httpx.Client, people: People, live_url: str) -> None:
    case_id = _authorized_case(http, people)
    body = {
        "event_id": "inv-1",
        "source": "billing",
        "kind": "payment_received",
        "occurred_at": DECISION_TIME.isoformat(),
    }
    raw, headers = _signed(body)
    with httpx.Client(base_url=live_url, timeout=10) as webhook:
        reported = webhook.post(f"/v1/save-cases/{case_id}/outcomes", content=raw, headers=headers)
        assert reported.status_code == 201, reported.text
        assert reported.json()["kind"] == "payment_received"
        forged_raw, forged = _signed(body, secret="not-the-secret")
        assert webhook.post(f"/v1/save-cases/{case_id}/outcomes", content=forged_raw, headers=forged).status_code == 401
        # Signed by billing, but claiming to be the CRM's report.
        crm_raw, crm_headers = _signed({**body, "event_id": "inv-2", "source": "salesforce"})
        assert (
            webhook.post(f"/v1/save-cases/{case_id}/outcomes", content=crm_raw, headers=crm_headers).status_code == 403
        )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "refund"}, "kind"),
        ({"occurred_at": "2026-11-22T12:00:00"}, "occurred_at"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"amount": -5}, "amount"),
        ({"amount": "100"}, "amount"),
        ({"event_id": ""}, "event_id"),
        ({"surprise": True}, "surprise"),
    ],
)
def test_a_malformed_report_is_refused_naming_the_field(
    http: httpx.Client, people: People, change: dict, field: str
) -> None:
    case_id = _authorized_case(http, people)
    body = {
        "event_id": "o-1",
        "source": "salesforce",
        "kind": "offer_presented",
        "occurred_at": DECISION_TIME.isoformat(),
    }
    refused = http.post(f"/v1/save-cases/{case_id}/outcomes", json={**body, **change})
    assert refused.status_code == 422, refused.text
    assert field in {str(part) for error in refused.json()["detail"] for part in error["loc"]}
    # Nothing was recorded: the well-formed report is still the first.
    assert http.post(f"/v1/save-cases/{case_id}/outcomes", json=body).status_code == 201
    timeline = people["u-csm-17"].get(f"/v1/save-cases/{case_id}").json()["timeline"]
    assert [e["event"] for e in timeline].count("offer_presented") == 1
