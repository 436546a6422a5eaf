"""Bad input is refused before any decision: 422 naming the field, 413 over the configured body size."""

import copy
import json

import httpx
import pytest

from tests.conftest import load_example
from tests.integration.conftest import count_rows


def _with(path: tuple[str, ...], value: object) -> dict:
    case = copy.deepcopy(load_example("service-recovery"))
    target = case
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return case


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("account", "arr"), "84000"),  # a number as a string: strict, not coerced
        (("account", "segment"), "galactic"),  # unknown enum value
        (("trigger",), "rage_quit"),
        (("proposed_offer", "type"), "free_money"),
        (("proposed_offer", "contract_change"), "yes"),  # a flag as a string
        (("risk", "churn_score"), 101),  # out of range
        (("service_history", "open_tickets"), 2.5),  # a fraction where a count is due
        (("customer_reason", "sentiment"), "furious"),
        (("occurred_at",), "2026-11-20T15:04:05"),  # no time zone
        (("source",), "sales force!"),  # outside the source alphabet
    ],
)
def test_wrong_types_and_unknown_values_get_422_naming_the_field(
    http: httpx.Client, database_url: str, path: tuple[str, ...], value: object
) -> None:
    response = http.post("/v1/save-cases", json=_with(path, value))

    assert response.status_code == 422, response.text
    locations = [tuple(error["loc"]) for error in response.json()["detail"]]
    assert ("body", *path) in locations, locations
    assert count_rows(database_url, "decisions") == 0


def test_unknown_fields_and_missing_required_fields_are_named(http: httpx.Client, database_url: str) -> None:
    extra = _with(("account", "favourite_colour"), "teal")
    missing = load_example("service-recovery")
    del missing["proposed_offer"]

    for body, loc, kind in (
        (extra, ("body", "account", "favourite_colour"), "extra_forbidden"),
        (missing, ("body", "proposed_offer"), "missing"),
    ):
        response = http.post("/v1/save-cases", json=body)
        assert response.status_code == 422, response.text
        assert {(tuple(e["loc"]), e["type"]) for e in response.json()["detail"]} >= {(loc, kind)}
    assert count_rows(database_url, "decisions") == 0


def test_a_body_that_is_not_json_is_422_not_500(http: httpx.Client, database_url: str) -> None:
    response = http.post("/v1/save-cases", content=b'{"event_id": ', headers={"content-type": "application/json"})

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["type"] == "json_invalid"
    assert count_rows(database_url, "decisions") == 0


def _oversized(settings_max: int) -> bytes:
    case = load_example("service-recovery")
    case["customer_reason"]["text"] = "x"  # keep it valid; pad with whitespace, which JSON ignores
    body = json.dumps(case).encode()
    return body + b" " * (settings_max - len(body) + 1)


def test_a_body_over_the_configured_limit_is_413(http: httpx.Client, settings, database_url: str) -> None:
    body = _oversized(settings.max_body_bytes)
    assert len(body) == settings.max_body_bytes + 1

    response = http.post("/v1/save-cases", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 413, response.text
    assert response.json()["code"] == "payload_too_large"
    assert str(settings.max_body_bytes) in response.json()["detail"]
    assert count_rows(database_url, "decisions") == 0
    # A body of exactly the limit is accepted: the boundary is the setting, not something smaller.
    at_limit = body[:-1]
    assert len(at_limit) == settings.max_body_bytes
    accepted = http.post("/v1/save-cases", content=at_limit, headers={"content-type": "application/json"})
    assert accepted.status_code == 201, accepted.text


def test_a_streamed_body_without_length_over_the_limit_is_413(http: httpx.Client, settings, database_url: str) -> None:
    body = _oversized(settings.max_body_bytes)

    def chunks():  # a generator makes httpx send Transfer-Encoding: chunked
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    response = http.post("/v1/save-cases", content=chunks(), headers={"content-type": "application/json"})

    assert response.status_code == 413, response.text
    assert response.json()["code"] == "payload_too_large"
    assert count_rows(database_url, "decisions") == 0


def test_nul_characters_are_refused_naming_the_field_on_both_databases(
    http: httpx.Client, database_url: str, directory_tokens: dict[str, str]
) -> None:
    # PostgreSQL cannot store NUL; both databases must answer a 422 naming the field, not a 503.
    case = load_example("service-recovery")
    case["customer_reason"]["text"] = "slow\x00support"
    response = http.post("/v1/save-cases", json=case)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "customer_reason", "text"]
    assert count_rows(database_url, "decisions") == 0

    admin = {"Authorization": f"Bearer {directory_tokens['u-admin']}"}
    token = http.post("/v1/service-tokens", headers=admin, json={"service_name": "crm", "label": "bad\x00label"})
    assert token.status_code == 422
    assert token.json()["detail"][0]["loc"] == ["body", "label"]
    person = http.get("/v1/people/u%00x", headers=admin)
    assert person.status_code == 422
    assert person.json()["detail"][0]["loc"] == ["path"]
    listing = http.get("/v1/decisions", params={"account_id": "a\x00b"})
    assert listing.status_code == 422
    assert listing.json()["detail"][0]["loc"] == ["query", "account_id"]
