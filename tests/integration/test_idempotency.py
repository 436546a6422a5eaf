"""Webhook idempotency: one decision per (source, event_id), however often and however concurrently it is sent."""

import copy
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
from pydantic import SecretStr

from app.clock import FixedClock
from app.config import Settings
from app.main import create_app
from app.signing import sign as webhook_signature
from tests.conftest import load_example
from tests.integration.conftest import count_rows
from tests.support.live_server import serve


def _decisions(database_url: str, source: str, event_id: str) -> int:
    return count_rows(database_url, "decisions", "WHERE source = :s AND event_id = :e", s=source, e=event_id)


def test_a_repeated_event_returns_the_stored_decision_and_records_nothing_new(
    http: httpx.Client, database_url: str
) -> None:
    case = load_example("price-discount")
    first = http.post("/v1/save-cases", json=case)
    # Same content, other key order: still the same event.
    reordered = dict(reversed(list(case.items())))
    again = http.post("/v1/save-cases", json=reordered)
    third = http.post("/v1/save-cases", json=case)

    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    for replay in (again, third):
        assert replay.status_code == 200, replay.text
        assert replay.headers["idempotent-replayed"] == "true"
        assert replay.json()["replay"] is True
        assert {**replay.json(), "replay": False} == first.json()
        assert replay.headers["location"] == first.headers["location"]
    assert _decisions(database_url, case["source"], case["event_id"]) == 1
    assert count_rows(database_url, "decisions") == 1
    # A replay opens no second case either.
    assert count_rows(database_url, "save_cases") == 1


def test_the_same_event_id_with_a_changed_body_is_a_conflict_and_keeps_the_first_decision(
    http: httpx.Client, database_url: str
) -> None:
    case = load_example("service-recovery")
    first = http.post("/v1/save-cases", json=case)
    changed = copy.deepcopy(case)
    changed["proposed_offer"]["credit_amount"] = 9000

    conflict = http.post("/v1/save-cases", json=changed)

    assert first.status_code == 201
    assert conflict.status_code == 409, conflict.text
    assert conflict.json()["code"] == "idempotency_conflict"
    assert case["event_id"] in conflict.json()["detail"]
    assert "idempotent-replayed" not in conflict.headers
    assert _decisions(database_url, case["source"], case["event_id"]) == 1
    stored = http.get(f"/v1/decisions/{first.json()['id']}").json()
    assert stored["evidence"] == first.json()["evidence"]
    # The original body still replays after the conflict.
    assert http.post("/v1/save-cases", json=case).status_code == 200


def test_the_key_is_source_and_event_id_together(http: httpx.Client, database_url: str) -> None:
    case = load_example("service-recovery")
    other_source = {**case, "source": "hubspot"}
    other_event = {**case, "event_id": case["event_id"] + "-2"}

    responses = [http.post("/v1/save-cases", json=body) for body in (case, other_source, other_event)]

    assert [r.status_code for r in responses] == [201, 201, 201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 3
    assert count_rows(database_url, "decisions") == 3


def test_concurrent_duplicates_make_exactly_one_decision(
    live_url: str, source_tokens: dict[str, str], database_url: str
) -> None:
    case = load_example("price-discount")
    headers = {"Authorization": f"Bearer {source_tokens[case['source']]}"}

    def post(_: int) -> httpx.Response:
        # A client per request: separate connections, so the requests really run side by side.
        with httpx.Client(base_url=live_url, timeout=30, headers=headers) as client:
            return client.post("/v1/save-cases", json=case)

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(post, range(10)))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 9 + [201], [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("idempotent-replayed") == "true" for r in responses) == 9
    assert _decisions(database_url, case["source"], case["event_id"]) == 1
    assert count_rows(database_url, "save_cases") == 1


def test_concurrent_duplicates_with_different_bodies_keep_one_decision_and_refuse_the_rest(
    live_url: str, service_token: str, database_url: str
) -> None:
    case = load_example("service-recovery")
    bodies = []
    for i in range(10):
        body = copy.deepcopy(case)
        body["proposed_offer"]["credit_amount"] = 1000 + 100 * (i % 2)  # two distinct bodies, same key
        bodies.append(body)
    headers = {"Authorization": f"Bearer {service_token}"}

    def post(body: dict) -> httpx.Response:
        with httpx.Client(base_url=live_url, timeout=30, headers=headers) as client:
            return client.post("/v1/save-cases", json=body)

    with ThreadPoolExecutor(max_workers=10) as pool:
        responses = list(pool.map(post, bodies))

    assert {r.status_code for r in responses} <= {200, 201, 409}, [r.text for r in responses]
    assert sum(r.status_code == 201 for r in responses) == 1
    winner = next(r for r in responses if r.status_code == 201).json()
    accepted = [r for r in responses if r.status_code in (200, 201)]
    assert {r.json()["id"] for r in accepted} == {winner["id"]}
    # Exactly the five bodies equal to the winner's are answered with its decision; the other five conflict.
    assert len(accepted) == 5 and sum(r.status_code == 409 for r in responses) == 5
    assert _decisions(database_url, case["source"], case["event_id"]) == 1


def test_a_resent_signed_webhook_replays_and_a_changed_one_conflicts(
    settings: Settings, clock: FixedClock, database_url: str
) -> None:
    """The CRM's own retry: the same signed event again, with a fresh signature time."""
    signed_settings = settings.model_copy(update={"webhook_secrets": {"salesforce": SecretStr("s3cret")}})
    case = load_example("service-recovery")

    def signed(client: httpx.Client, body: dict, *, offset: int) -> httpx.Response:
        raw = json.dumps(body).encode()
        timestamp = str(int(clock.now().timestamp()) + offset)
        return client.post(
            "/v1/save-cases",
            content=raw,
            headers={
                "content-type": "application/json",
                "X-Webhook-Source": "salesforce",
                "X-Webhook-Timestamp": timestamp,
                "X-Webhook-Signature": webhook_signature(secret="s3cret", timestamp=timestamp, body=raw),
            },
        )

    with (
        serve(create_app(settings=signed_settings, clock=clock)) as url,
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        first = signed(client, case, offset=0)
        again = signed(client, case, offset=30)
        changed = signed(client, {**case, "trigger": "churn_risk"}, offset=60)

    assert first.status_code == 201, first.text
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert changed.status_code == 409 and changed.json()["code"] == "idempotency_conflict"
    assert _decisions(database_url, "salesforce", case["event_id"]) == 1
