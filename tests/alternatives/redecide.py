"""Deciding a case and then each of its save option drafts again, on the real OPA, with the service's own evidence."""

import json
from collections.abc import Iterator
from typing import Any

import httpx

from app.cases.evidence import assemble_evidence
from app.cases.schemas import SaveCaseCreate
from app.policy.schemas import Alternatives, DraftedOption, HistoryFacts, PolicyDecision
from tests.conftest import DECISION_TIME


def decide(client: httpx.Client, case: SaveCaseCreate, history: HistoryFacts) -> tuple[dict[str, Any], PolicyDecision]:
    """The policy input the service would send for the case, and the decision the real OPA gives it."""
    policy_input = assemble_evidence(case=case, decision_time=DECISION_TIME, history=history)
    body = {"input": json.loads(policy_input.model_dump_json())}
    response = client.post("/v1/data/retention/decision", json=body)
    response.raise_for_status()
    return body["input"], PolicyDecision.model_validate(response.json()["result"])


def every_draft(drafts: Alternatives) -> Iterator[DraftedOption]:
    """Each option, each of its shorter-chain drafts, and the nearest draft of the proposed type."""
    for option in drafts.options:
        yield option
        yield from option.shorter_chains
    if drafts.nearest is not None:
        yield drafts.nearest


def assert_each_draft_routes_as_promised(client: httpx.Client, case: SaveCaseCreate, history: HistoryFacts) -> int:
    """Decide the case, then each draft as a revision of it: each routes with exactly its chain. Returns how many."""
    _, decision = decide(client, case, history)
    drafts = decision.alternatives
    assert drafts is not None
    if decision.pause_reasons:
        assert (drafts.status, drafts.options, drafts.nearest) == ("paused", [], None)
        return 0
    assert drafts.status == "drafted"
    costs = [option.offer_cost for option in drafts.options]
    assert costs == sorted(costs), "options that cost nothing come first, then by cost"
    checked = 0
    for draft in every_draft(drafts):
        revision = case.model_copy(update={"proposed_offer": draft.offer})
        policy_input, again = decide(client, revision, history)
        promised = [stage.model_dump(mode="json") for stage in draft.approval_chain]
        assert again.outcome == "route", (draft.summary, again.violations, again.pause_reasons)
        assert [stage.model_dump(mode="json") for stage in again.approval_chain] == promised, draft.summary
        assert (again.discount_tier, again.escalation_level) == (draft.discount_tier, draft.escalation_level)
        derived = policy_input["derived"]
        assert abs(derived["offer_cost"] - draft.offer_cost) < 0.01, draft.summary
        if draft.margin_after_offer_pct is not None:
            assert abs(derived["margin_after_offer_pct"] - draft.margin_after_offer_pct) <= 0.005 + 1e-9
        checked += 1
    for blocked in drafts.not_allowed:
        smallest = {"type": blocked.offer_type, "discount_pct": 0, "duration_months": 1, "credit_amount": 0}
        if blocked.offer_type == "discount":
            smallest["discount_pct"] = 1
        if blocked.offer_type == "service_credit":
            smallest.update(duration_months=0, credit_amount=1)
        offer = case.proposed_offer.model_copy(update=smallest)
        _, again = decide(client, case.model_copy(update={"proposed_offer": offer}), history)
        assert again.outcome != "route", (blocked.offer_type, blocked.rules)
    return checked
