"""OPA's own evaluation time per decision, with the save option drafts and without them.

The decision document carries the drafts (data.retention.alternatives), so every decide figure already
includes them. This adds OPA's timer_rego_query_eval_ns (?metrics=true) for the same enriched input,
one request at a time: the whole decision; the drafts alone (with the rules they share with the
decision: classification, eligibility, caps); and an ad-hoc query of every other part of the decision,
which is what deciding would cost without the drafts.
"""

import statistics
from typing import Any

import httpx

# The decision document's parts other than the drafts, each from the package that decides it.
_PARTS = {
    "outcome": "data.retention.outcome",
    "reason_class": "data.retention.classification.reason_class",
    "save_path": "data.retention.classification.save_path",
    "discount_tier": "data.retention.offers.discount_tier",
    "legal": "data.retention.legal.review_required",
    "escalation": "data.retention.escalation.level",
    "urgent": "data.retention.escalation.urgent",
    "routed": "data.retention.approval.routed_chain",
    "owner": "data.retention.approval.owner_chain",
    "pauses": "data.retention.eligibility.pause_reasons",
    "missing": "data.retention.eligibility.missing_evidence",
    "violations": "[data.retention.offers.violations, data.retention.margin.violations, "
    "data.retention.history.violations]",
    "explanations": "[data.retention.classification.explanations, data.retention.eligibility.explanations, "
    "data.retention.offers.explanations, data.retention.margin.explanations, "
    "data.retention.history.explanations, data.retention.legal.explanations, "
    "data.retention.escalation.explanations, data.retention.approval.explanations]",
}
WITHOUT_ALTERNATIVES = "x := {" + ", ".join(f'"{key}": {ref}' for key, ref in _PARTS.items()) + "}"


def _median_eval_ms(client: httpx.Client, path: str, body: dict[str, Any], runs: int) -> float:
    timings = []
    for _ in range(runs):
        response = client.post(path, params={"metrics": "true"}, json=body)
        response.raise_for_status()
        timings.append(response.json()["metrics"]["timer_rego_query_eval_ns"] / 1e6)
    return statistics.median(timings)


def eval_figures(opa_url: str, policy_input: dict[str, Any], *, runs: int = 100) -> dict[str, float]:
    """Median OPA eval ms per decision: with the drafts, the drafts alone, and the decision without them."""
    with httpx.Client(base_url=opa_url, timeout=30) as client:
        return {
            "with_alternatives_ms": _median_eval_ms(
                client, "/v1/data/retention/decision", {"input": policy_input}, runs
            ),
            "alternatives_alone_ms": _median_eval_ms(
                client, "/v1/data/retention/alternatives/drafts", {"input": policy_input}, runs
            ),
            "without_alternatives_ms": _median_eval_ms(
                client, "/v1/query", {"query": WITHOUT_ALTERNATIVES, "input": policy_input}, runs
            ),
        }


def eval_line(figures: dict[str, float]) -> str:
    return (
        "OPA eval ms per decision (median, one at a time): with alternatives "
        f"{figures['with_alternatives_ms']:.2f}, without {figures['without_alternatives_ms']:.2f}, "
        f"the alternatives package alone {figures['alternatives_alone_ms']:.2f}"
    )
