"""Error answers that schemathesis found outside the contract, pinned: each carries its declared status."""

import httpx
import pytest

from tests.conftest import load_example
from tests.integration.conftest import count_rows

NOT_UTF8 = b'{"event_id": "\xff\xfe"}'


@pytest.mark.parametrize("body", [NOT_UTF8, b"\xef", b'{"event_id": '])
def test_a_body_that_is_not_json_is_a_422_before_any_decision(
    http: httpx.Client, database_url: str, body: bytes
) -> None:
    response = http.post("/v1/save-cases", content=body, headers={"Content-Type": "application/json"})

    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["type"] == "json_invalid" and error["loc"][0] == "body"
    assert count_rows(database_url, "decisions") == 0


def test_a_directory_body_that_is_not_utf8_is_a_422(live_url: str, directory_tokens: dict[str, str]) -> None:
    response = httpx.put(
        f"{live_url}/v1/people/u-csm-31",
        content=NOT_UTF8,
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {directory_tokens['u-admin']}"},
    )

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_other_http_errors_keep_their_status(http: httpx.Client) -> None:
    assert http.get("/v1/nowhere").status_code == 404
    assert http.delete("/v1/save-cases").status_code == 405


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/v1/people/u-x", {"GET", "PUT"}),  # two routes share the path: both methods are named
        ("PATCH", "/v1/people/u-x", {"GET", "PUT"}),
        ("DELETE", "/v1/save-cases", {"POST"}),
        ("GET", "/v1/tokens/t-x", {"DELETE"}),
        ("PUT", "/v1/people/u-x/delegations", {"GET", "POST"}),
    ],
)
def test_a_method_the_path_does_not_serve_is_405_with_every_served_method_in_allow(
    http: httpx.Client, method: str, path: str, allow: set[str]
) -> None:
    # Found by schemathesis: Allow named only the first matching route's methods (then none at all).
    response = http.request(method, path)

    assert response.status_code == 405, response.text
    assert set(response.headers["allow"].split(", ")) == allow
    assert response.json() == {"detail": "Method Not Allowed", "code": "method_not_allowed"}


def _credit_case(*, arr: float, credit: float, event_id: str) -> dict:
    case = load_example("service-recovery")
    case["event_id"] = event_id
    case["account"]["arr"] = arr
    case["proposed_offer"] = {
        **case["proposed_offer"],
        "type": "service_credit",
        "credit_amount": credit,
        "discount_pct": 0,
    }
    return case


@pytest.mark.parametrize("path", [("account", "arr"), ("proposed_offer", "credit_amount")])
def test_money_beyond_a_trillion_is_a_422_naming_the_field(http: httpx.Client, database_url: str, path: tuple) -> None:
    case = _credit_case(arr=84_000.0, credit=1_000.0, event_id="too-much")
    case[path[0]][path[1]] = 5.0e307  # found by schemathesis: the credit's share of ARR overflowed to Infinity

    response = http.post("/v1/save-cases", json=case)

    assert response.status_code == 422, response.text
    assert ("body", *path) in [tuple(error["loc"]) for error in response.json()["detail"]]
    assert count_rows(database_url, "decisions") == 0


def test_a_credit_share_that_overflows_is_decided_as_unknown_not_sent_to_opa_as_infinity(http: httpx.Client) -> None:
    # OPA answered 400 to an input with Infinity, which the service reported as a 503 "policy unavailable".
    response = http.post("/v1/save-cases", json=_credit_case(arr=5e-324, credit=1e12, event_id="tiny-arr"))

    assert response.status_code == 201, response.text
    derived = response.json()["evidence"]["derived"]
    assert derived["credit_share_pct"] is None and derived["concession_pct"] is None
    assert derived["offer_cost"] == 1e12
