"""Outbound notifications through the outbox to a real receiver; webhook signatures; tokens."""

import asyncio
import json
import time
from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from app.approvals import scheduler
from app.clock import FixedClock
from app.config import Settings
from app.database import create_engine, create_session_factory
from app.main import create_app
from app.policy.client import PolicyClient
from app.signing import sign
from app.signing import sign as webhook_signature
from tests.approvals.conftest import People
from tests.conftest import BySourceToken, load_example
from tests.support.live_server import serve
from tests.support.receiver import receiver

SECRET = "test-signing-secret"


def _wait_for(predicate, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def test_notifications_survive_a_restart_and_are_retried_and_signed(
    settings: Settings,
    clock: FixedClock,
    directory_tokens: dict[str, str],
    service_token: str,
    source_tokens: dict[str, str],
) -> None:
    with receiver(fail_first=2) as crm:
        quiet = settings.model_copy(
            update={"crm_notify_url": f"{crm.url}/crm", "notify_signing_secret": SecretStr(SECRET)}
        )
        # First process: no sender runs, as if it crashed right after deciding; the outbox keeps the messages.
        with serve(create_app(settings=quiet, clock=clock)) as url:
            admin = People(url, directory_tokens)["u-admin"]
            admin.put(
                "/v1/people/u-am-04",
                json={"name": "Alex Meyer", "roles": ["account_owner"], "notify_url": f"{crm.url}/people/u-am-04"},
            ).raise_for_status()
            decided = httpx.post(
                f"{url}/v1/save-cases",
                json=load_example("price-discount"),
                auth=BySourceToken(source_tokens, default=service_token),
            )
            assert decided.status_code == 201
        assert crm.requests == []

        # Second process with the sender: everything queued arrives, after retries, signed.
        sending = quiet.model_copy(
            update={"background_jobs": True, "outbox_interval_seconds": 0.05, "scheduler_interval_seconds": 60}
        )
        with serve(create_app(settings=sending, clock=clock)):
            # Failed attempts back off by 2 s, 4 s …; move the clock past each backoff.
            def delivered() -> bool:
                clock.set(clock.now() + timedelta(seconds=5))
                return len(crm.requests) >= 2

            _wait_for(delivered)
    assert crm.attempts >= 4, "the first two attempts failed and were retried"
    by_path = {r.path: r for r in crm.requests}
    assert set(by_path) == {"/crm", "/people/u-am-04"}
    assert by_path["/crm"].json["event"] == "case.in_review"
    assert by_path["/people/u-am-04"].json["event"] == "task.assigned"
    for request in crm.requests:
        expected = sign(secret=SECRET, timestamp=request.headers["x-signature-timestamp"], body=request.body)
        assert request.headers["x-signature"] == expected
    assert len({r.headers["idempotency-key"] for r in crm.requests}) == 2


def test_signed_webhooks_are_accepted_and_bad_signatures_refused(settings: Settings, clock: FixedClock) -> None:
    signed = settings.model_copy(update={"webhook_secrets": {"hubspot": SecretStr("hs-secret")}})
    body = json.dumps(load_example("price-discount")).encode()
    now = str(int(clock.now().timestamp()))

    def post(
        url: str, *, secret: str = "hs-secret", timestamp: str = now, source: str = "hubspot", payload: bytes = body
    ) -> httpx.Response:
        return httpx.post(
            f"{url}/v1/save-cases",
            content=payload,
            headers={
                "content-type": "application/json",
                "X-Webhook-Source": source,
                "X-Webhook-Timestamp": timestamp,
                "X-Webhook-Signature": webhook_signature(secret=secret, timestamp=timestamp, body=body),
            },
        )

    with serve(create_app(settings=signed, clock=clock)) as url:
        assert post(url, secret="wrong").status_code == 401
        stale = str(int(clock.now().timestamp()) - 3600)
        assert post(url, timestamp=stale).status_code == 401
        assert post(url, source="salesforce").status_code == 401
        tampered = body.replace(b"22", b"12", 1)
        assert post(url, payload=tampered).status_code == 401
        assert (
            httpx.post(f"{url}/v1/save-cases", content=body, headers={"content-type": "application/json"}).status_code
            == 401
        )
        accepted = post(url)
        assert accepted.status_code == 201, accepted.text


def test_tokens_are_hashed_and_revocable_and_admin_issued_ones_must_be_exchanged(
    live_url: str, people: People, database_url: str
) -> None:
    admin = people["u-admin"]
    # A person may issue themself another personal token.
    own = people["u-fin-01"].post("/v1/people/u-fin-01/tokens", json={"label": "second laptop"})
    assert own.status_code == 201, own.text
    assert (own.json()["kind"], own.json()["issued_by"]) == ("personal", "u-fin-01")
    # But not one for someone else.
    assert people["u-fin-01"].post("/v1/people/u-am-04/tokens", json={"label": "x"}).status_code == 403
    # An administrator's token for someone else is a temporary credential: it can do nothing but be exchanged.
    created = admin.post("/v1/people/u-fin-01/tokens", json={"label": "laptop"})
    assert created.status_code == 201
    assert (created.json()["kind"], created.json()["issued_by"]) == ("temporary", "u-admin")
    temporary = httpx.Client(base_url=live_url, headers={"Authorization": f"Bearer {created.json()['token']}"})
    assert temporary.get("/v1/approvals").status_code == 403
    exchanged = temporary.post("/v1/tokens/exchange", json={"label": "laptop"})
    assert exchanged.status_code == 201, exchanged.text
    assert exchanged.json()["exchanged_from_id"] == created.json()["id"]
    assert temporary.post("/v1/tokens/exchange", json={"label": "again"}).status_code == 401
    secret = exchanged.json()["token"]
    fran = httpx.Client(base_url=live_url, headers={"Authorization": f"Bearer {secret}"})
    assert fran.get("/v1/approvals").status_code == 200
    # Only the hash is stored.
    from sqlalchemy import create_engine as sync_engine
    from sqlalchemy import text

    from app.database import sync_url

    with sync_engine(sync_url(database_url)).connect() as conn:
        stored = conn.execute(
            text("SELECT token_hash FROM api_tokens WHERE id = :id"), {"id": exchanged.json()["id"]}
        ).scalar_one()
    assert secret not in stored and len(stored) == 64
    admin.delete(f"/v1/tokens/{exchanged.json()['id']}").raise_for_status()
    assert fran.get("/v1/approvals").status_code == 401
    # A person token cannot decide cases: that is for CRM webhooks and integrations.
    assert people["u-am-04"].post("/v1/save-cases", json=load_example("price-discount")).status_code == 403
    fran.close()
    temporary.close()


# Row locks across replicas are a PostgreSQL property (SQLite has a single writer), so this runs there only.
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_concurrent_schedulers_escalate_each_overdue_task_once(
    http: httpx.Client, people: People, opa_server, clock: FixedClock, settings: Settings
) -> None:
    assert settings.database_url.startswith("postgresql")
    for example in ("price-discount", "service-recovery", "pause-unclear"):
        assert http.post("/v1/save-cases", json=load_example(example)).status_code == 201
    clock.set(clock.now() + timedelta(days=3))
    engines = [create_engine(settings.database_url) for _ in range(4)]
    policy = PolicyClient(url=opa_server.url, timeout_seconds=2, retries=1)
    await policy.open()
    try:
        results = await asyncio.gather(
            *(
                scheduler.run_once(factory=create_session_factory(e), targets=policy, clock=clock, crm_url=None)
                for e in engines
            )
        )
    finally:
        await policy.close()
        for engine in engines:
            await engine.dispose()
    # Three overdue tasks, each handled once. Two get a task for their escalation target; the third is
    # the service-recovery owner stage, already held by cs_leadership (its owner requested the case), so
    # its only target holder already takes part and it is recorded as escalated with nobody to take it.
    assert sum(escalated for escalated, _ in results) == 2, results
    for example in ("price-discount", "service-recovery", "pause-unclear"):
        case_id = http.get("/v1/decisions", params={"account_id": load_example(example)["account"]["id"]}).json()[
            "items"
        ][0]["id"]
        case = people["u-admin"].get(f"/v1/save-cases/{case_id}").json()
        assert [e["event"] for e in case["timeline"]].count("escalated") == 1, example
