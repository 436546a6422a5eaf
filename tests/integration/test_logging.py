"""Structured JSON logs: every line written while a decide request is handled carries its decision id."""

import logging
from concurrent.futures import ThreadPoolExecutor

import httpx

from app.observability import JsonFormatter
from tests.conftest import load_example
from tests.integration.conftest import JsonLines


def _lines_of(logs: JsonLines, request_id: str) -> list[dict]:
    return [line for line in logs.snapshot() if line.get("request_id") == request_id]


def _request_id(logs: JsonLines, method: str, path: str, status: int, nth: int = 0) -> str:
    access = [
        line
        for line in logs.snapshot()
        if line["logger"] == "app.access"
        and line["method"] == method
        and line["path"] == path
        and line["status"] == status
    ]
    return access[nth]["request_id"]


def test_the_service_logs_json_lines(live_url: str) -> None:
    formatters = [handler.formatter for handler in logging.getLogger().handlers]
    assert any(isinstance(formatter, JsonFormatter) for formatter in formatters)


def test_every_line_of_a_decide_request_carries_its_decision_id(http: httpx.Client, log_lines: JsonLines) -> None:
    case = load_example("price-discount")

    first = http.post("/v1/save-cases", json=case)
    replay = http.post("/v1/save-cases", json=case)
    read = http.get(f"/v1/decisions/{first.json()['id']}")

    assert (first.status_code, replay.status_code, read.status_code) == (201, 200, 200)
    decision_id = first.json()["id"]
    for request_id, message in (
        (_request_id(log_lines, "POST", "/v1/save-cases", 201), "decision recorded"),
        (_request_id(log_lines, "POST", "/v1/save-cases", 200), "webhook replayed; returning the stored decision"),
        (_request_id(log_lines, "GET", f"/v1/decisions/{decision_id}", 200), None),
    ):
        lines = _lines_of(log_lines, request_id)
        assert len(lines) >= (2 if message else 1), lines
        assert [line.get("decision_id") for line in lines] == [decision_id] * len(lines), lines
        if message:
            assert message in [line["message"] for line in lines]
    recorded = next(line for line in log_lines.snapshot() if line["message"] == "decision recorded")
    assert recorded["outcome"] == "route"
    assert recorded["policy_revision"] == first.json()["policy_revision"]
    assert recorded["opa_decision_id"] == first.json()["opa_decision_id"]


def test_concurrent_requests_log_their_own_decision_ids(
    live_url: str, service_token: str, log_lines: JsonLines
) -> None:
    headers = {"Authorization": f"Bearer {service_token}"}

    def post(n: int) -> httpx.Response:
        with httpx.Client(base_url=live_url, timeout=30, headers=headers) as client:
            return client.post("/v1/save-cases", json={**load_example("service-recovery"), "event_id": f"evt-log-{n}"})

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(post, range(6)))

    assert [r.status_code for r in responses] == [201] * 6
    ids = {r.json()["id"] for r in responses}
    access = [line for line in log_lines.snapshot() if line["logger"] == "app.access" and line["status"] == 201]
    assert {line["decision_id"] for line in access} == ids
    for line in access:
        lines = _lines_of(log_lines, line["request_id"])
        assert {entry["decision_id"] for entry in lines} == {line["decision_id"]}
        assert sum(entry["message"] == "decision recorded" for entry in lines) == 1
