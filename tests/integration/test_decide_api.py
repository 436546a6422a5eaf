"""POST /v1/save-cases through real HTTP, a real OPA and each real database."""

import httpx
import pytest

from tests.conftest import DECISION_TIME, load_example


@pytest.mark.parametrize(
    ("example", "outcome", "chain"),
    [
        ("service-recovery", "route", [["account_owner"]]),
        ("price-discount", "route", [["account_owner"], ["finance", "revops"], ["executive"]]),
        ("pause-unclear", "pause", [["account_owner"]]),
    ],
)
def test_decide_examples_give_the_outcomes_the_examples_state(
    http: httpx.Client, policy_bundle, example: str, outcome: str, chain: list[list[str]]
) -> None:
    response = http.post("/v1/save-cases", json=load_example(example))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["outcome"] == outcome
    assert body["decision"]["outcome"] == outcome
    assert [stage["roles"] for stage in body["decision"]["approval_chain"]] == chain
    assert body["policy_revision"] == policy_bundle[1]
    assert body["opa_decision_id"]
    assert body["evidence"]["derived"]["decision_time"].startswith(DECISION_TIME.strftime("%Y-%m-%dT%H:%M:%S"))
    assert body["replay"] is False
    assert response.headers["location"] == f"/v1/save-cases/{body['case_id']}"


def test_decide_replay_returns_the_stored_decision(http: httpx.Client) -> None:
    case = load_example("service-recovery")
    first = http.post("/v1/save-cases", json=case)
    again = http.post(
        "/v1/save-cases",
        content=httpx.Request("POST", "/", json=case).content.replace(b",", b", "),
        headers={"content-type": "application/json"},
    )

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert {**again.json(), "replay": False} == first.json()
    assert again.json()["replay"] is True
    listed = http.get("/v1/decisions", params={"account_id": case["account"]["id"], "include_total": True}).json()
    assert listed["total"] == 1
