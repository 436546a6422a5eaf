"""OPA's own evaluation time per decision, with the save option drafts and without them.

The decision document carries the drafts (data.retention.alternatives), so every decide figure already
includes them. This adds OPA's timer_rego_query_eval_ns (?metrics=true) for the same enriched input,
one request at a time: the whole decision; the drafts alone (with the rules they share with the
decision: classification, eligibility, caps); and the verdict (data.retention.verdict), the decision
without the drafts.
"""

import statistics
from typing import Any

import httpx


def _median_eval_ms(client: httpx.Client, path: str, body: dict[str, Any], runs: int) -> float:
    timings = []
    for _ in range(runs):
        response = client.post(path, params={"metrics": "true"}, json=body)
        response.raise_for_status()
        timings.append(response.json()["metrics"]["timer_rego_query_eval_ns"] / 1e6)
    return statistics.median(timings)


def eval_figures(opa_url: str, body: dict[str, Any], *, runs: int = 100) -> dict[str, float]:
    """Median OPA eval ms per decision for the request body {"input": ...}: with, alone, and without the drafts."""
    with httpx.Client(base_url=opa_url, timeout=30) as client:
        return {
            "with_alternatives_ms": _median_eval_ms(client, "/v1/data/retention/decision", body, runs),
            "alternatives_alone_ms": _median_eval_ms(client, "/v1/data/retention/alternatives/drafts", body, runs),
            "without_alternatives_ms": _median_eval_ms(client, "/v1/data/retention/verdict", body, runs),
        }


def eval_line(figures: dict[str, float]) -> str:
    return (
        "OPA eval ms per decision (median, one at a time): with alternatives "
        f"{figures['with_alternatives_ms']:.2f}, without {figures['without_alternatives_ms']:.2f}, "
        f"the alternatives package alone {figures['alternatives_alone_ms']:.2f}"
    )
