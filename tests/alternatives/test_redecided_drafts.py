"""Every save option draft, decided again on the real OPA with the service's own evidence, routes with its chain."""

from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import vocabulary
from app.cases.schemas import SaveCaseCreate
from app.policy.schemas import NO_HISTORY, ConcessionsInWindow, DiscountRunning, HistoryFacts
from tests.alternatives.redecide import assert_each_draft_routes_as_promised, decide
from tests.conftest import DECISION_TIME, load_example
from tests.support.opa_process import OpaProcess


@pytest.fixture(scope="module")
def opa(opa_server: OpaProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=opa_server.url, timeout=10) as client:
        yield client


def _example(name: str) -> SaveCaseCreate:
    return SaveCaseCreate.model_validate(load_example(name))


@pytest.mark.parametrize(("name", "drafts"), [("service-recovery", 6), ("price-discount", 9), ("pause-unclear", 0)])
def test_each_draft_of_the_shared_examples_routes_with_the_chain_it_promised(
    opa: httpx.Client, name: str, drafts: int
) -> None:
    assert assert_each_draft_routes_as_promised(opa, _example(name), NO_HISTORY) == drafts


def test_a_repeat_concession_drafts_finance_into_every_concession_and_the_limit_leaves_none(opa: httpx.Client) -> None:
    case = _example("price-discount")
    once = NO_HISTORY.model_copy(
        update={"concessions": ConcessionsInWindow(count=1, total_cost=0, last_authorized_at=None)}
    )
    assert assert_each_draft_routes_as_promised(opa, case, once) > 0
    _, decision = decide(opa, case, once)
    assert decision.alternatives is not None
    for option in decision.alternatives.options:
        roles = {role for stage in option.approval_chain for role in stage.roles}
        assert ("finance" in roles) == (option.offer.type in vocabulary.CONCESSION_TYPES), option.summary
    twice = once.model_copy(update={"concessions": ConcessionsInWindow(count=2, total_cost=0, last_authorized_at=None)})
    _, decision = decide(opa, case, twice)
    assert decision.alternatives is not None
    assert [option.offer.type for option in decision.alternatives.options] == ["none"]
    assert assert_each_draft_routes_as_promised(opa, case, twice) == 1


_offer_types = st.sampled_from([str(t) for t in vocabulary.OfferType])
_offers = st.fixed_dictionaries(
    {
        "type": _offer_types,
        "discount_pct": st.integers(0, 40),
        "duration_months": st.integers(0, 30),
        "credit_amount": st.integers(0, 120_000),
        "contract_change": st.booleans(),
        "non_standard_terms": st.just(False),
        "scope_change": st.just(False),
        "customer_facing_promise": st.just(False),
    }
)
_histories = st.builds(
    HistoryFacts,
    concessions=st.builds(
        ConcessionsInWindow, count=st.integers(0, 2), total_cost=st.just(0.0), last_authorized_at=st.none()
    ),
    discount=st.builds(DiscountRunning, running=st.booleans(), ends_on=st.none()),
    regretted_saves=st.integers(0, 1),
)


@st.composite
def _cases(draw: st.DrawFn) -> SaveCaseCreate:
    body = load_example("price-discount")
    offer = draw(_offers)
    if offer["type"] != "discount":
        offer["discount_pct"] = 0  # a percentage on another offer pauses the case (contradictory evidence)
    body["proposed_offer"] = offer
    body["account"].update(
        segment=draw(st.sampled_from(["smb", "mid_market", "enterprise"])),
        arr=draw(st.integers(5_000, 400_000)),
        gross_margin_pct=draw(st.integers(20, 95)),
        icp_fit=draw(st.sampled_from(["strong", "partial", "poor"])),
    )
    body["customer_reason"] = {
        "category": draw(st.sampled_from([str(c) for c in vocabulary.VOCABULARY.reason_classes])),
        "text": "Reason as the CRM classified it.",
        "sentiment": "calm",
    }
    body["billing"] = {"past_due_days": draw(st.sampled_from([0, 120]))}
    body["risk"]["churn_score"] = draw(st.sampled_from([50, 90]))
    renewal = DECISION_TIME.date() + timedelta(days=draw(st.sampled_from([10, 45, 200])))
    body["contract"]["renewal_date"] = date.isoformat(renewal)
    return SaveCaseCreate.model_validate(body)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_cases(), history=_histories)
def test_property_every_draft_of_a_generated_case_routes_with_the_chain_it_promised(
    opa: httpx.Client, case: SaveCaseCreate, history: HistoryFacts
) -> None:
    assert_each_draft_routes_as_promised(opa, case, history)
