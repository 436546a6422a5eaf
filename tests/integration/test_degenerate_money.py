"""Money the policy cannot price, through the real HTTP service, a real OPA and each real database.

A costed offer on a zero ARR pauses naming account.arr; a credit at or above the ARR is declined on the
margin floor as well as the credit cap. Neither is ever routed. The directory is seeded so that the case's
owner is a known person who gets the task.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import load_example


def _case(
    example: str, event_id: str, *, account: dict[str, Any] | None = None, offer: dict[str, Any] | None = None
) -> dict[str, Any]:
    case = load_example(example)
    case["event_id"] = event_id
    case["account"].update(account or {})
    case["proposed_offer"].update(offer or {})
    return case


def _owner_task(owner: httpx.Client, case_id: str) -> tuple[str, str, str]:
    case = owner.get(f"/v1/save-cases/{case_id}")
    assert case.status_code == 200, case.text
    [task] = [t for t in case.json()["tasks"] if t["status"] == "open"]
    return case.json()["status"], task["kind"], task["assignee_id"]


@pytest.fixture
def owners(live_url: str, directory_tokens: dict[str, str]) -> Iterator[dict[str, httpx.Client]]:
    """The examples' account owners (u-csm-17, u-am-04) from the seeded directory, each with their own token."""
    clients = {
        person: httpx.Client(
            base_url=live_url, timeout=10, headers={"Authorization": f"Bearer {directory_tokens[person]}"}
        )
        for person in ("u-csm-17", "u-am-04")
    }
    yield clients
    for client in clients.values():
        client.close()


def test_a_credit_on_a_zero_arr_pauses_naming_the_arr(http: httpx.Client, owners: dict[str, httpx.Client]) -> None:
    response = http.post("/v1/save-cases", json=_case("service-recovery", "sf-zero-arr-credit", account={"arr": 0}))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["outcome"] == body["decision"]["outcome"] == "pause"
    assert body["decision"]["pause_reasons"] == ["missing_evidence"]
    assert "account.arr" in body["decision"]["missing_evidence"]
    assert body["decision"]["violations"] == []
    assert [stage["roles"] for stage in body["decision"]["approval_chain"]] == [["account_owner"]]
    # No share, concession or margin can be derived from a zero ARR: nothing was decided on them.
    derived = body["evidence"]["derived"]
    assert (derived["credit_share_pct"], derived["concession_pct"], derived["margin_after_offer_pct"]) == (
        None,
        None,
        None,
    )
    assert _owner_task(owners["u-csm-17"], body["case_id"]) == ("paused", "complete_evidence", "u-csm-17")


def test_a_discount_on_a_zero_arr_pauses_naming_the_arr(http: httpx.Client, owners: dict[str, httpx.Client]) -> None:
    case = _case("price-discount", "hs-zero-arr-discount", account={"arr": 0})
    response = http.post("/v1/save-cases", json=case)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["outcome"] == "pause"
    assert body["decision"]["missing_evidence"] == ["account.arr"]
    assert [stage["roles"] for stage in body["decision"]["approval_chain"]] == [["account_owner"]]
    assert body["decision"]["discount_tier"] == "strategic"
    assert body["decision"]["violations"] == []
    assert _owner_task(owners["u-am-04"], body["case_id"]) == ("paused", "complete_evidence", "u-am-04")


@pytest.mark.parametrize(
    ("credit", "share"),
    [
        (84_000, 100),  # the whole ARR
        (126_000, 150),  # more than the ARR
    ],
)
def test_a_credit_at_or_above_the_arr_is_declined_on_the_margin_floor(
    http: httpx.Client, owners: dict[str, httpx.Client], credit: int, share: int
) -> None:
    case = _case("service-recovery", f"sf-credit-{credit}", offer={"credit_amount": credit})
    response = http.post("/v1/save-cases", json=case)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["outcome"] == "decline"
    assert body["decision"]["violations"] == ["credit_above_max", "margin_floor"]
    assert "margin.floor" in {e["rule"] for e in body["decision"]["explanations"]}
    derived = body["evidence"]["derived"]
    assert derived["credit_share_pct"] == derived["concession_pct"] == share
    # The margin after it is below any floor, not unknown; the decision log keeps the same figure.
    assert derived["margin_after_offer_pct"] == -1_000_000
    stored = http.get(f"/v1/decisions/{body['id']}")
    assert stored.status_code == 200, stored.text
    assert stored.json()["evidence"]["derived"] == derived
    assert _owner_task(owners["u-csm-17"], body["case_id"]) == ("declined", "revise_offer", "u-csm-17")
