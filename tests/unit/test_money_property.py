"""Property: the real policy never decides a costed offer on money that does not exist.

For any case with a costed offer (evidence.costed_offer_types: a discount or a service credit), with ARR,
gross margin, credit and discount drawn over their whole range and their degenerate corners (ARR 0, tiny,
missing; a credit at, under and over the ARR; a 100 % discount), the evidence is assembled as the service
does and the decision asked of OPA serving policies/. Either the case pauses, or every figure the caps and
guards read (credit share, concession, margin after the offer, offer cost) is a finite number.
"""

import json
import math
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app import vocabulary
from app.cases.evidence import assemble_evidence
from app.cases.schemas import SaveCaseCreate
from app.policy.schemas import NO_HISTORY
from tests.conftest import DECISION_TIME, ROOT, load_example
from tests.support.opa_process import OpaProcess

FIGURES = ("credit_share_pct", "concession_pct", "margin_after_offer_pct", "offer_cost")
INPUT_SCHEMA = json.loads((ROOT / "policy_schemas" / "input.schema.json").read_text(encoding="utf-8"))

# The costed offer types the shipped data names, each with the example it is built from.
EXAMPLE_BY_TYPE = {"service_credit": "service-recovery", "discount": "price-discount"}
COSTED = sorted(vocabulary.COSTED_OFFER_TYPES)


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False)


# ARR: missing, zero, the smallest amounts a float holds, one cent, and anything up to the schema's trillion.
arrs = st.one_of(
    st.none(),
    st.sampled_from([0, 0.0, 5e-324, 1e-300, 1e-9, 0.01, 1.0]),
    st.integers(min_value=0, max_value=10**12),
    _floats(0, 1e12),
)
# Gross margin: mostly known (a missing one pauses), with its bounds.
gross_margins = st.one_of(
    st.sampled_from([None, -100, 0, 100]),
    _floats(-100, 100),
    _floats(-100, 100),
)
# A credit as a multiple of ARR, crowded at the whole ARR (1) and around it.
credit_ratios = st.one_of(
    st.sampled_from([0, 0.05, 0.25, 0.99, 0.9999999, 1, 1.0000001, 1.5, 100]),
    _floats(0, 3),
)
discounts = st.one_of(st.sampled_from([0, 10, 30, 99.999, 100]), _floats(0, 100))


@st.composite
def costed_cases(draw: st.DrawFn) -> dict[str, Any]:
    """A canonical case with a costed offer, its money drawn over the whole range."""
    offer_type = draw(st.sampled_from(COSTED))
    raw = load_example(EXAMPLE_BY_TYPE[offer_type])
    arr = draw(arrs)
    raw["account"].update(
        arr=arr,
        gross_margin_pct=draw(gross_margins),
        segment=draw(st.sampled_from(["smb", "mid_market", "enterprise"])),
        icp_fit=draw(st.sampled_from(["strong", "partial", "unknown", None])),
    )
    # Mostly the example's own words decide the reason; sometimes the CRM names one the offer does not fit.
    raw["customer_reason"]["category"] = draw(st.sampled_from([None, None, None, "value", "price", "service"]))
    if offer_type == "service_credit":
        ratio = draw(credit_ratios)
        credit = ratio * arr if arr else draw(_floats(0, 1e6))
        raw["proposed_offer"].update(credit_amount=float(min(credit, 1e12)), discount_pct=0, duration_months=0)
    else:
        raw["proposed_offer"].update(
            discount_pct=draw(discounts), duration_months=draw(st.integers(min_value=0, max_value=120)), credit_amount=0
        )
    raw["billing"] = {"past_due_days": draw(st.sampled_from([0, 120]))}
    return raw


@pytest.fixture(scope="module")
def decide(opa_server: OpaProcess) -> Iterator[Any]:
    """Ask the real policy (OPA serving policies/) for the decision on a policy input."""
    with httpx.Client(base_url=opa_server.url, timeout=10) as client:

        def _decide(policy_input: dict[str, Any]) -> dict[str, Any]:
            response = client.post("/v1/data/retention/decision", json={"input": policy_input})
            response.raise_for_status()
            result: dict[str, Any] = response.json()["result"]
            return result

        yield _decide


def _is_finite_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


@settings(
    max_examples=200,
    deadline=timedelta(seconds=2),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(raw=costed_cases())
def test_a_costed_offer_pauses_or_is_judged_on_finite_figures(raw: dict[str, Any], decide: Any) -> None:
    case = SaveCaseCreate.model_validate_json(json.dumps(raw))
    policy_input = json.loads(
        assemble_evidence(case=case, decision_time=DECISION_TIME, history=NO_HISTORY).model_dump_json()
    )
    jsonschema.validate(policy_input, INPUT_SCHEMA)
    decision = decide(policy_input)
    derived = policy_input["derived"]
    event(f"{raw['proposed_offer']['type']} {decision['outcome']}")

    if decision["outcome"] != "pause":
        # Routed or declined: every cap and guard was evaluated on a number.
        assert all(_is_finite_number(derived[figure]) for figure in FIGURES), (decision["outcome"], derived)
    if decision["outcome"] == "pause" and decision["pause_reasons"] == ["missing_evidence"]:
        # A pause for missing evidence names what is missing.
        assert decision["missing_evidence"], decision

    arr = raw["account"]["arr"]
    if arr is None or arr <= 0:
        # No ARR to price on: paused, naming it; never routed or declined on numbers that do not exist.
        assert decision["outcome"] == "pause"
        assert "account.arr" in decision["missing_evidence"]
    concession = derived["concession_pct"]
    if decision["outcome"] != "pause" and concession >= 100:
        # All of the revenue or more: the margin after it is below any floor, not unknown.
        assert "margin_floor" in decision["violations"], decision
        assert decision["outcome"] == "decline"
    if raw["proposed_offer"]["type"] == "service_credit" and arr and raw["proposed_offer"]["credit_amount"] >= arr:
        assert decision["outcome"] in {"pause", "decline"}
        if decision["outcome"] == "decline":
            assert {"credit_above_max", "margin_floor"} <= set(decision["violations"])
