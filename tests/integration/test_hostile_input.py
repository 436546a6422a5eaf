"""Hostile input gets a 4xx, never a 5xx: a JSON body that parses strictly, the field named, nothing recorded.

Each input here is one a service on FastAPI and Pydantic mishandles unless told: header values that
str.isdigit accepts and int() refuses, NaN and Infinity echoed back in a 422 body, half a surrogate pair,
JSON in UTF-16 (which Python's json reads), dates that leave the calendar once moved to UTC, Unix seconds
where a date-time is due, and integers written as 5.0.
"""

import copy
import json
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from app.config import Settings
from app.signing import sign
from tests.conftest import DECISION_TIME, load_example
from tests.integration.conftest import count_rows

WEBHOOK_SECRET = "hostile-input-secret"
NOW = str(int(DECISION_TIME.timestamp()))
# Far ends of the calendar at the widest offsets: year 1 at +14:00 and year 9999 at -14:00 are not on the UTC calendar.
BEFORE_YEAR_ONE = "0001-01-01T00:00:00+14:00"
AFTER_YEAR_9999 = "9999-12-31T23:59:59-14:00"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings, with a webhook secret for Salesforce so the signed path is configured."""
    return settings.model_copy(update={"webhook_secrets": {"salesforce": SecretStr(WEBHOOK_SECRET)}})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def strict_json(response: httpx.Response) -> Any:
    """The response body parsed as strict JSON: NaN and Infinity, which Python's json accepts, are refused."""
    assert response.headers["content-type"].startswith("application/json"), response.headers
    return json.loads(response.content.decode("utf-8"), parse_constant=_reject_constant)


def error_locations(response: httpx.Response) -> list[tuple]:
    return [tuple(error["loc"]) for error in strict_json(response)["detail"]]


def case_with(path: tuple[str, ...], placeholder: object = "__HOSTILE__") -> dict:
    case = copy.deepcopy(load_example("service-recovery"))
    target = case
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = placeholder
    return case


def raw_case(path: tuple[str, ...], raw: str) -> bytes:
    """The example as JSON text with the value at path written raw, exactly as given (NaN, 1e999, "\\ud800")."""
    text = json.dumps(case_with(path))
    assert text.count('"__HOSTILE__"') == 1
    return text.replace('"__HOSTILE__"', raw).encode("utf-8")


def post_raw(http: httpx.Client, body: bytes, **headers: str) -> httpx.Response:
    return http.post("/v1/save-cases", content=body, headers={"content-type": "application/json", **headers})


# --- Webhook credentials --------------------------------------------------------------------------------------


def _signed_post(
    live_url: str, *, timestamp: bytes, signature: bytes | None = None, body: bytes | None = None
) -> httpx.Response:
    body = body if body is not None else json.dumps(load_example("service-recovery")).encode()
    if signature is None:
        signature = sign(secret=WEBHOOK_SECRET, timestamp=timestamp.decode("utf-8"), body=body).encode()
    # Header values as bytes: httpx would refuse to encode non-ASCII text, and a hostile client sends bytes anyway.
    headers = [
        (b"content-type", b"application/json"),
        (b"x-webhook-source", b"salesforce"),
        (b"x-webhook-timestamp", timestamp),
        (b"x-webhook-signature", signature),
    ]
    return httpx.post(f"{live_url}/v1/save-cases", content=body, headers=headers, timeout=10)


def _assert_unauthenticated(response: httpx.Response, *, names: str) -> None:
    assert response.status_code == 401, response.text
    body = strict_json(response)
    assert body["code"] == "unauthenticated", body
    assert names in body["detail"], body
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "timestamp",
    [
        pytest.param("²", id="superscript-two"),  # str.isdigit() says yes, int() says no
        pytest.param("１２３", id="full-width-digits"),  # int() reads these: still not ASCII Unix seconds
        pytest.param("9" * 300, id="300-digits"),
        pytest.param("-5", id="negative"),
        pytest.param("", id="empty"),
        pytest.param("+" + NOW, id="plus-sign"),  # int() reads a sign and surrounding spaces
        pytest.param(NOW + ".5", id="fraction"),
        pytest.param("1e9", id="exponent"),
    ],
)
def test_a_webhook_timestamp_that_is_not_ascii_unix_seconds_is_401_naming_the_header(
    live_url: str, database_url: str, timestamp: str
) -> None:
    response = _signed_post(live_url, timestamp=timestamp.encode("utf-8"))

    _assert_unauthenticated(response, names="X-Webhook-Timestamp")
    assert count_rows(database_url, "decisions") == 0


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(b"sha256=zz", id="not-hex"),
        pytest.param("sha256=é".encode() + b"0" * 62, id="non-ascii"),
        pytest.param(b"sha256=" + b"0" * 63, id="one-digit-short"),
        pytest.param(b"sha256=" + b"0" * 65, id="one-digit-long"),
        pytest.param(b"sha256=" + b"A" * 64, id="upper-case-hex"),
        pytest.param(b"sha1=" + b"0" * 40, id="other-algorithm"),
        pytest.param(b"", id="empty"),
    ],
)
def test_a_malformed_webhook_signature_is_401_naming_the_header(
    live_url: str, database_url: str, signature: bytes
) -> None:
    response = _signed_post(live_url, timestamp=NOW.encode(), signature=signature)

    _assert_unauthenticated(response, names="X-Webhook-Signature")
    assert count_rows(database_url, "decisions") == 0


def test_a_well_formed_webhook_signature_of_another_body_is_401(live_url: str, database_url: str) -> None:
    other = sign(secret=WEBHOOK_SECRET, timestamp=NOW, body=b"{}").encode()

    response = _signed_post(live_url, timestamp=NOW.encode(), signature=other)

    _assert_unauthenticated(response, names="does not match")
    assert count_rows(database_url, "decisions") == 0


def test_no_credentials_at_all_is_401_asking_for_a_token(live_url: str, database_url: str) -> None:
    body = json.dumps(load_example("service-recovery")).encode()
    bare = httpx.post(f"{live_url}/v1/save-cases", content=body, headers={"content-type": "application/json"})
    # Webhook headers without the signature are not a webhook: the caller still needs a token.
    unsigned = httpx.post(
        f"{live_url}/v1/save-cases",
        content=body,
        headers={"content-type": "application/json", "X-Webhook-Source": "salesforce", "X-Webhook-Timestamp": NOW},
    )

    for response in (bare, unsigned):
        _assert_unauthenticated(response, names="Authorization: Bearer")
    assert count_rows(database_url, "decisions") == 0


def test_the_signed_webhook_itself_is_accepted(live_url: str, database_url: str) -> None:
    """The control: the same request, correctly signed, is decided (so the 401s above are about the headers)."""
    response = _signed_post(live_url, timestamp=NOW.encode())

    assert response.status_code == 201, response.text
    assert count_rows(database_url, "decisions") == 1


# --- Numbers that JSON does not have -------------------------------------------------------------------------

NUMBER_FIELDS = [
    ("account", "arr"),
    ("proposed_offer", "discount_pct"),
    ("risk", "usage_trend_pct"),
    ("contract", "notice_days"),
]


@pytest.mark.parametrize("raw", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
@pytest.mark.parametrize("path", NUMBER_FIELDS, ids=".".join)
def test_nan_and_infinity_in_a_number_field_get_422_naming_the_field(
    http: httpx.Client, database_url: str, path: tuple[str, ...], raw: str
) -> None:
    response = post_raw(http, raw_case(path, raw))

    assert response.status_code == 422, response.text
    assert ("body", *path) in error_locations(response)
    assert count_rows(database_url, "decisions") == 0


# --- Text that is not Unicode ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        (("customer_reason", "text"), '"late \\ud800 reports"'),
        (("account", "name"), '"\\udfff"'),
        (("event_id",), '"evt-\\ud800"'),
        (("requested_by", "id"), '"\\ud800\\ud800"'),  # two high halves are not a pair either
        (("account", "segment"), '"\\ud800"'),  # an enum field: refused as an unknown value
    ],
    ids=lambda value: ".".join(value) if isinstance(value, tuple) else None,
)
def test_a_lone_surrogate_in_a_string_field_gets_422_naming_the_field(
    http: httpx.Client, database_url: str, path: tuple[str, ...], raw: str
) -> None:
    response = post_raw(http, raw_case(path, raw))

    assert response.status_code == 422, response.text
    assert ("body", *path) in error_locations(response)
    assert count_rows(database_url, "decisions") == 0


def test_a_lone_surrogate_in_a_field_name_gets_422_with_a_body_that_parses(
    http: httpx.Client, database_url: str
) -> None:
    body = json.dumps(load_example("service-recovery"))
    body = body.replace('"account": {', '"account": {"\\ud800": 1, ', 1).encode()

    response = post_raw(http, body)

    assert response.status_code == 422, response.text
    [error] = strict_json(response)["detail"]
    # Refused as a name that is not Unicode text, before it could be refused as an unknown field.
    assert error["type"] == "string_unicode" and error["loc"][:2] == ["body", "account"], error
    assert count_rows(database_url, "decisions") == 0


def test_a_properly_paired_surrogate_escape_is_accepted(http: httpx.Client, database_url: str) -> None:
    """The control: an escaped pair is one character outside the BMP, and valid."""
    response = post_raw(http, raw_case(("customer_reason", "text"), '"late reports \\ud83d\\ude20"'))

    assert response.status_code == 201, response.text
    assert response.json()["evidence"]["case"]["customer_reason"]["text"] == "late reports \U0001f620"


# --- Bodies that are not UTF-8 -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"])
def test_a_body_in_utf16_or_utf32_gets_422_json_invalid(http: httpx.Client, database_url: str, encoding: str) -> None:
    # Python's json.loads reads UTF-16 and UTF-32, BOM or not; the service takes JSON in UTF-8 only (RFC 8259).
    body = json.dumps(load_example("service-recovery")).encode(encoding)

    response = http.post("/v1/save-cases", content=body, headers={"content-type": "application/json"})

    assert response.status_code == 422, response.text
    [error] = strict_json(response)["detail"]
    assert error["type"] == "json_invalid" and error["loc"] == ["body"]
    assert count_rows(database_url, "decisions") == 0


def test_a_utf16_body_without_a_content_type_is_not_read_as_json(http: httpx.Client, database_url: str) -> None:
    body = json.dumps(load_example("service-recovery")).encode("utf-16-le")

    response = http.post("/v1/save-cases", content=body)

    assert response.status_code == 422, response.text
    assert [error["loc"] for error in strict_json(response)["detail"]] == [["body"]]
    assert count_rows(database_url, "decisions") == 0


# --- Instants at the far ends of the calendar ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["decided_from", "decided_to"])
@pytest.mark.parametrize("value", [BEFORE_YEAR_ONE, AFTER_YEAR_9999])
def test_a_decision_filter_off_the_utc_calendar_gets_400_naming_it(http: httpx.Client, name: str, value: str) -> None:
    response = http.get("/v1/decisions", params={name: value})

    assert response.status_code == 400, response.text
    body = strict_json(response)
    assert body["code"] == "bad_query" and name in body["detail"], body


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00Z"])
def test_a_decision_filter_at_the_far_ends_of_the_calendar_still_on_it_is_answered(
    http: httpx.Client, value: str
) -> None:
    for name in ("decided_from", "decided_to"):
        response = http.get("/v1/decisions", params={name: value})
        assert response.status_code == 200, response.text
        assert strict_json(response)["items"] == []


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
@pytest.mark.parametrize("value", [BEFORE_YEAR_ONE, AFTER_YEAR_9999])
def test_a_delegation_time_off_the_utc_calendar_gets_422_naming_the_field(
    live_url: str, database_url: str, directory_tokens: dict[str, str], field: str, value: str
) -> None:
    times = {"starts_at": "2026-11-22T00:00:00Z", "ends_at": "2026-11-29T00:00:00Z", field: value}

    response = httpx.post(
        f"{live_url}/v1/people/u-fin-01/delegations",
        json={"delegate_id": "u-finlead-01", **times},
        headers={"Authorization": f"Bearer {directory_tokens['u-fin-01']}"},  # the person themself
    )

    assert response.status_code == 422, response.text
    assert ("body", field) in error_locations(response)
    assert count_rows(database_url, "delegations") == 0


@pytest.mark.parametrize("field", ["evidence_as_of", "occurred_at"])
@pytest.mark.parametrize("value", [BEFORE_YEAR_ONE, AFTER_YEAR_9999])
def test_a_case_time_off_the_utc_calendar_gets_422_naming_the_field(
    http: httpx.Client, database_url: str, field: str, value: str
) -> None:
    response = http.post("/v1/save-cases", json=case_with((field,), value))

    assert response.status_code == 422, response.text
    assert ("body", field) in error_locations(response)
    assert count_rows(database_url, "decisions") == 0


@pytest.mark.parametrize("value", ["0.5", "1700000000", "2026-11-22", "2026-11-22T00:00:00"])
def test_a_decision_filter_that_is_not_a_date_time_with_a_zone_gets_400(http: httpx.Client, value: str) -> None:
    response = http.get("/v1/decisions", params={"decided_to": value})

    assert response.status_code == 400, response.text
    body = strict_json(response)
    assert body["code"] == "bad_query" and "decided_to" in body["detail"], body


def test_a_decision_filter_in_rfc3339_lower_case_is_read_as_a_body_instant_is(http: httpx.Client) -> None:
    response = http.get("/v1/decisions", params={"decided_from": "2026-11-22t00:00:00z"})

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("raw", ['"1700000000"', "1700000000", '"0.5"', "0.5", "true", '"2026-11-20"'])
def test_unix_seconds_or_a_bare_date_where_a_date_time_is_due_get_422(
    http: httpx.Client, database_url: str, raw: str
) -> None:
    # Pydantic alone reads numbers and numeric text as Unix seconds: evidence dated 1970 by accident.
    response = post_raw(http, raw_case(("evidence_as_of",), raw))

    assert response.status_code == 422, response.text
    assert ("body", "evidence_as_of") in error_locations(response)
    assert count_rows(database_url, "decisions") == 0


ON_THE_CALENDAR = ["0001-01-01T00:00:00-14:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59+14:00"]


@pytest.mark.parametrize("value", ON_THE_CALENDAR)
def test_case_times_at_the_far_ends_of_the_calendar_still_on_it_are_decided(
    http: httpx.Client, database_url: str, value: str
) -> None:
    for n, field in enumerate(("evidence_as_of", "occurred_at")):
        case = {**case_with((field,), value), "event_id": f"edge-{n}"}
        response = http.post("/v1/save-cases", json=case)
        assert response.status_code == 201, response.text
        assert http.get(f"/v1/decisions/{response.json()['id']}").status_code == 200
    assert count_rows(database_url, "decisions") == 2


def test_delegation_times_at_the_far_ends_of_the_calendar_still_on_it_are_kept_in_utc(
    live_url: str, directory_tokens: dict[str, str]
) -> None:
    fran = httpx.Client(base_url=live_url, headers={"Authorization": f"Bearer {directory_tokens['u-fin-01']}"})
    with fran:
        created = fran.post(
            "/v1/people/u-fin-01/delegations",
            json={"delegate_id": "u-finlead-01", "starts_at": ON_THE_CALENDAR[0], "ends_at": ON_THE_CALENDAR[2]},
        )
        assert created.status_code == 201, created.text
        [listed] = fran.get("/v1/people/u-fin-01/delegations").json()
    assert (listed["starts_at"], listed["ends_at"]) == ("0001-01-01T14:00:00Z", "9999-12-31T09:59:59Z")


# --- Integers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [("contract", "notice_days"), ("proposed_offer", "duration_months")], ids=".".join)
def test_an_integer_written_as_5_0_is_accepted_as_json_schema_says(
    http: httpx.Client, database_url: str, path: tuple[str, ...]
) -> None:
    response = post_raw(http, raw_case(path, "5.0"))

    assert response.status_code == 201, response.text
    value = response.json()["evidence"]["case"]
    for key in path:
        value = value[key]
    assert value == 5 and isinstance(value, int)
    assert count_rows(database_url, "decisions") == 1


@pytest.mark.parametrize("raw", ['"5"', "true", "5.5", "1e999"])
@pytest.mark.parametrize("path", [("contract", "notice_days"), ("proposed_offer", "duration_months")], ids=".".join)
def test_a_string_a_flag_or_a_fraction_for_an_integer_gets_422_naming_the_field(
    http: httpx.Client, database_url: str, path: tuple[str, ...], raw: str
) -> None:
    response = post_raw(http, raw_case(path, raw))

    assert response.status_code == 422, response.text
    assert ("body", *path) in error_locations(response)
    assert count_rows(database_url, "decisions") == 0
