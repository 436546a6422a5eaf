"""Error answers that schemathesis found outside the contract, pinned: each carries its declared status."""

import httpx
import pytest

from tests.integration.conftest import count_rows

NOT_UTF8 = b'{"event_id": "\xff\xfe"}'


@pytest.mark.parametrize("body", [NOT_UTF8, b"\xef", b'{"event_id": '])
def test_a_body_that_is_not_json_is_a_422_before_any_decision(http: httpx.Client, database_url: str, body: bytes) -> None:
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
