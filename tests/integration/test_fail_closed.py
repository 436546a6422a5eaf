"""Fail closed: without a policy answer or a durable record there is no decision, only a 503 and a log line."""

import json
import logging
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.clock import FixedClock
from app.config import Settings
from app.main import create_app
from app.policy.bundle import build_bundle
from tests.conftest import DECISION_TIME, ROOT, load_example
from tests.integration.conftest import JsonLines, count_rows, execute
from tests.support.live_server import serve
from tests.support.opa_process import OpaProcess


@contextmanager
def service(database_url: str, token: str, tmp_path: Path, opa_url: str, **overrides: object) -> Iterator[httpx.Client]:
    """The service on its own Uvicorn, pointed at the OPA this test controls."""
    settings = Settings(
        database_url=database_url,
        opa_url=opa_url,
        migrate_on_start=False,
        bundle_dir=tmp_path / "bundle",
        background_jobs=False,
        **{"opa_timeout_seconds": 1.0, "opa_retries": 1, **overrides},
    )
    with (
        serve(create_app(settings=settings, clock=FixedClock(DECISION_TIME))) as url,
        httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client,
    ):
        yield client


@contextmanager
def captured_logs() -> Iterator[JsonLines]:
    handler = JsonLines()
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


def _case(event_id: str) -> dict:
    return {**load_example("service-recovery"), "event_id": event_id}


def _assert_failed_attempt_logged(logs: JsonLines, *, code: str) -> None:
    """The attempt is in the log as a failure, and nothing in the log claims a decision for it."""
    lines = logs.snapshot()
    request_ids = {
        line["request_id"] for line in lines if line.get("path") == "/v1/save-cases" and line["status"] == 503
    }
    assert len(request_ids) == 1, lines
    of_request = [line for line in lines if line.get("request_id") in request_ids]
    failures = [line for line in of_request if line["level"] in ("WARNING", "ERROR") and line.get("code") == code]
    assert failures, of_request
    assert not any(line["message"] == "decision recorded" for line in of_request)
    assert not any("decision_id" in line for line in of_request), "a failed attempt is not logged as a decision"


def _wait_for(predicate, *, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within the deadline")
        time.sleep(0.05)


def test_opa_killed_mid_run_gives_503s_and_no_rows_then_the_service_recovers(
    dedicated_opa: OpaProcess, database_url: str, service_token: str, tmp_path: Path
) -> None:
    with service(database_url, service_token, tmp_path, dedicated_opa.url) as client:
        before = client.post("/v1/save-cases", json=_case("evt-before"))
        assert before.status_code == 201, before.text

        dedicated_opa.kill()
        with captured_logs() as logs:
            down = client.post("/v1/save-cases", json=_case("evt-during"))
        assert down.status_code == 503, down.text
        assert down.headers["content-type"] == "application/json"
        assert down.json()["code"] == "policy_unavailable"
        assert "no decision" in down.json()["detail"]
        assert "id" not in down.json()
        _assert_failed_attempt_logged(logs, code="policy_unavailable")
        assert count_rows(database_url, "decisions") == 1
        assert count_rows(database_url, "save_cases") == 1

        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "unavailable", "opa": "unavailable", "database": "ok"}
        policy = client.get("/v1/policy").json()
        assert policy["reachable"] is False and policy["healthy"] is False and policy["revision"] is None
        assert policy["error"]
        # A decision already recorded is still returned: a replay needs no policy.
        replay = client.post("/v1/save-cases", json=_case("evt-before"))
        assert replay.status_code == 200 and replay.json()["id"] == before.json()["id"]

        dedicated_opa.start()  # same port
        _wait_for(lambda: client.get("/readyz").status_code == 200)
        after = client.post("/v1/save-cases", json=_case("evt-during"))
        assert after.status_code == 201, after.text
        assert client.get("/v1/policy").json()["healthy"] is True
    assert count_rows(database_url, "decisions") == 2


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A TCP server that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    listener.close()


def test_opa_that_never_answers_times_out_into_a_503(
    silent_server: str, database_url: str, service_token: str, tmp_path: Path
) -> None:
    with service(
        database_url, service_token, tmp_path, silent_server, opa_timeout_seconds=0.3, opa_retries=0
    ) as client:
        with captured_logs() as logs:
            started = time.monotonic()
            response = client.post("/v1/save-cases", json=_case("evt-timeout"))
            elapsed = time.monotonic() - started
        ready = client.get("/readyz")

    assert response.status_code == 503, response.text
    assert response.json()["code"] == "policy_unavailable"
    # Bounded by the configured timeout, not by the client's 30s.
    assert elapsed < 5, elapsed
    _assert_failed_attempt_logged(logs, code="policy_unavailable")
    assert ready.status_code == 503
    assert count_rows(database_url, "decisions") == 0


def _opa_with_policy(opa_binary: Path, tmp_path: Path, rego: str) -> OpaProcess:
    policy_dir = tmp_path / "policy"
    policy_dir.mkdir()
    (policy_dir / "retention.rego").write_text(rego)
    bundle, _ = build_bundle(opa_binary=opa_binary, policy_dir=policy_dir, out_dir=tmp_path / "built")
    opa = OpaProcess(binary=opa_binary, bundle=bundle)
    opa.start()
    return opa


@pytest.mark.parametrize(
    ("rego", "detail"),
    [
        # The package exists, the decision rule does not.
        ('package retention\n\nconfig := {"approval": {"escalation_targets": {}}}\n', "no decision"),
        # A decision document this service does not recognise.
        ('package retention\n\ndecision := {"outcome": "maybe"}\n', "does not recognise"),
    ],
)
def test_opa_without_a_usable_decision_gives_503_and_no_row(
    opa_binary: Path, database_url: str, service_token: str, tmp_path: Path, rego: str, detail: str
) -> None:
    opa = _opa_with_policy(opa_binary, tmp_path, rego)
    try:
        with service(database_url, service_token, tmp_path, opa.url) as client, captured_logs() as logs:
            response = client.post("/v1/save-cases", json=_case("evt-undefined"))
    finally:
        opa.kill()

    assert response.status_code == 503, response.text
    assert response.json()["code"] == "policy_unavailable"
    assert detail in response.json()["detail"]
    _assert_failed_attempt_logged(logs, code="policy_unavailable")
    assert count_rows(database_url, "decisions") == 0
    assert count_rows(database_url, "save_cases") == 0


def test_a_database_that_cannot_record_gives_503_and_no_decision(
    dedicated_opa: OpaProcess, database_url: str, service_token: str, tmp_path: Path
) -> None:
    with service(database_url, service_token, tmp_path, dedicated_opa.url) as client:
        assert client.post("/v1/save-cases", json=_case("evt-ok")).status_code == 201
        execute(database_url, "ALTER TABLE decisions RENAME TO decisions_away")
        try:
            with captured_logs() as logs:
                response = client.post("/v1/save-cases", json=_case("evt-no-table"))
        finally:
            execute(database_url, "ALTER TABLE decisions_away RENAME TO decisions")

        assert response.status_code == 503, response.text
        assert response.json()["code"] == "database_unavailable"
        assert "id" not in response.json() and "decision" not in response.json()
        _assert_failed_attempt_logged(logs, code="database_unavailable")
        # With the table back, the event that failed was never recorded and can be decided now.
        assert count_rows(database_url, "decisions") == 1
        retried = client.post("/v1/save-cases", json=_case("evt-no-table"))
        assert retried.status_code == 201, retried.text
    assert count_rows(database_url, "decisions") == 2


def test_a_policy_failure_after_the_decision_leaves_no_row_and_no_case(
    opa_binary: Path, database_url: str, service_token: str, tmp_path: Path
) -> None:
    """The decision comes back but opening its case needs the escalation targets, which this bundle lacks."""
    policy_dir = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policy_dir)
    data_file = policy_dir / "retention" / "config" / "data.json"
    data = json.loads(data_file.read_text())
    del data["approval"]["escalation_targets"]
    data_file.write_text(json.dumps(data))
    bundle, _ = build_bundle(opa_binary=opa_binary, policy_dir=policy_dir, out_dir=tmp_path / "built")
    opa = OpaProcess(binary=opa_binary, bundle=bundle)
    opa.start()
    try:
        with service(database_url, service_token, tmp_path, opa.url) as client, captured_logs() as logs:
            response = client.post("/v1/save-cases", json=_case("evt-no-targets"))
    finally:
        opa.kill()

    assert response.status_code == 503, response.text
    assert response.json()["code"] == "policy_unavailable"
    assert "escalation targets" in response.json()["detail"]
    _assert_failed_attempt_logged(logs, code="policy_unavailable")
    assert count_rows(database_url, "decisions") == 0
    assert count_rows(database_url, "save_cases") == 0
