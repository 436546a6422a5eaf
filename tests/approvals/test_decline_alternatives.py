"""A declined offer's owner task names the nearest allowed option; the service never changes the offer itself."""

import httpx

from tests.approvals.conftest import People
from tests.conftest import load_example

NEAREST = (
    "Nearest allowed discount: up to a 25% discount for 12 months: "
    "account_owner, then finance and revops, then executive."
)


def test_a_discount_over_the_segment_cap_tells_its_owner_the_largest_that_would_route(
    http: httpx.Client, people: People
) -> None:
    case_in = load_example("price-discount")
    # A mid-market account under the executive ARR: its cap is 25%, so 28% (a strategic tier) is declined.
    case_in["account"].update(segment="mid_market", arr=200_000)
    case_in["proposed_offer"].update(discount_pct=28, duration_months=12)
    declined = http.post("/v1/save-cases", json=case_in).json()
    assert declined["outcome"] == "decline"
    assert declined["decision"]["violations"] == ["discount_above_segment_cap"]

    case = people["u-am-04"].get(f"/v1/save-cases/{declined['case_id']}").json()
    assert case["status"] == "declined"
    [task] = [t for t in case["tasks"] if t["status"] == "open"]
    assert (task["kind"], task["assignee_id"]) == ("revise_offer", "u-am-04")
    [assigned] = [e for e in case["timeline"] if e["event"] == "assigned" and e["task_id"] == task["id"]]
    assert assigned["note"].startswith(NEAREST)

    nearest = case["summary"]["alternatives"]["nearest"]
    assert nearest["offer"]["discount_pct"] == 25 and nearest["offer"]["duration_months"] == 12
    assert [stage["roles"] for stage in nearest["approval_chain"]] == [
        ["account_owner"],
        ["finance", "revops"],
        ["executive"],
    ]
    assert (nearest["offer_cost"], nearest["margin_after_offer_pct"]) == (50_000, 70.67)
    assert case["decision"]["decision"]["alternatives"] == case["summary"]["alternatives"]
    # Drafts only: the proposed offer is as the CSM sent it, and nothing is authorized.
    assert case["decision"]["evidence"]["case"]["proposed_offer"]["discount_pct"] == 28
    assert case["authorized_offer"] is None


def test_a_routed_case_summary_lists_free_options_before_the_discount(http: httpx.Client, people: People) -> None:
    routed = http.post("/v1/save-cases", json=load_example("price-discount")).json()
    assert routed["outcome"] == "route"
    case = people["u-am-04"].get(f"/v1/save-cases/{routed['case_id']}").json()
    options = case["summary"]["alternatives"]["options"]
    assert [option["offer"]["type"] for option in options] == ["none", "plan_change", "discount"]
    assert options[-1]["offer"]["discount_pct"] == 30
    not_allowed = {entry["offer_type"]: entry["rules"] for entry in case["summary"]["alternatives"]["not_allowed"]}
    assert not_allowed["service_credit"] == ["offer.not_approved_for_reason"]
