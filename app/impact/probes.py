"""Boundary probes: generated cases just below, at and just above each changed numeric threshold.

Each probe is a canonical example (examples/save-case-*.json) with the one field the threshold reads
set so that the derived figure lands on the boundary, then assembled into a policy input by the
service's own evidence code (app.cases.evidence), so the derived figures are exactly what a live
decision would send. Thresholds whose relation to the input is not known here get no probe.
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Final

from app.cases.evidence import assemble_evidence, margin_after_offer_pct
from app.cases.schemas import SaveCaseCreate
from app.impact.changes import DataChange
from app.policy.schemas import NO_HISTORY, HistoryFacts, PolicyInput

EXAMPLES: Final = Path(__file__).resolve().parents[2] / "examples"
CREDIT_EXAMPLE: Final = "save-case-service-recovery.json"
DISCOUNT_EXAMPLE: Final = "save-case-price-discount.json"
PCT_STEP: Final = 0.5
MARGIN_SEARCH_STEPS: Final = 1000


@dataclass(frozen=True)
class Probe:
    key: str  # the data key path probed
    threshold: float  # the old or the new value
    position: str  # below | at | above
    field: str  # the input figure it sets, and its value
    policy_input: dict[str, Any]

    @property
    def subject(self) -> str:
        return f"{self.key} {self.position} {self.threshold:g} ({self.field})"


def _example(name: str) -> dict[str, Any]:
    case: dict[str, Any] = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    return case


def build_input(case: dict[str, Any], history: HistoryFacts | None = NO_HISTORY) -> dict[str, Any]:
    """The policy input the service would send for this case, decided shortly after its evidence."""
    model = SaveCaseCreate.model_validate(case)
    at = (model.evidence_as_of + timedelta(hours=1)) if model.evidence_as_of else None
    if at is None:
        raise ValueError("a probe needs evidence_as_of")
    assembled: PolicyInput = assemble_evidence(case=model, decision_time=at, history=history or NO_HISTORY)
    if history is None:
        assembled = assembled.model_copy(update={"history": None})
    return assembled.model_dump(mode="json")


def _credit(key: str, share: float) -> tuple[str, dict[str, Any]]:
    case = _example(CREDIT_EXAMPLE)
    amount = round(case["account"]["arr"] * share / 100, 2)
    case["proposed_offer"]["credit_amount"] = amount
    return f"credit {amount:g} = {share:g}% of ARR", case


def _discount(key: str, pct: float) -> tuple[str, dict[str, Any]]:
    case = _example(DISCOUNT_EXAMPLE)
    if key.startswith("discount.segment_caps."):
        case["account"]["segment"] = key.rsplit(".", 1)[1]
    case["proposed_offer"]["discount_pct"] = pct
    return f"discount {pct:g}%", case


def _duration(key: str, months: float) -> tuple[str, dict[str, Any]]:
    case = _example(DISCOUNT_EXAMPLE)
    case["proposed_offer"]["duration_months"] = int(months)
    return f"{int(months)} months", case


def _margin(key: str, margin: float) -> tuple[str, dict[str, Any]]:
    # margin after = 100 × (1 − (1 − g/100) / (1 − d/100)): solve the gross margin g for the target,
    # then step g by the smallest float until the service's own formula gives the target itself (or
    # the nearest above it), so "at" is at the threshold, not a rounding error below it.
    case = _example(DISCOUNT_EXAMPLE)
    d = case["proposed_offer"]["discount_pct"]
    gross = 100 * (1 - (1 - margin / 100) * (1 - d / 100))
    for _ in range(MARGIN_SEARCH_STEPS):
        case["account"]["gross_margin_pct"] = gross
        sent = margin_after_offer_pct(case=SaveCaseCreate.model_validate(case))
        if sent is None or sent >= margin:
            break
        gross = math.nextafter(gross, math.inf)
    return f"margin after offer {margin:g}% (gross {gross:.4g}%)", case


def _cost(key: str, cost: float) -> tuple[str, dict[str, Any]]:
    # cost = ARR × d × months / 1200: solve the ARR for the target cost.
    case = _example(DISCOUNT_EXAMPLE)
    offer = case["proposed_offer"]
    case["account"]["arr"] = round(cost * 1200 / (offer["discount_pct"] * offer["duration_months"]), 2)
    return f"offer cost {cost:g}", case


# How each probed key maps to an input figure, and the step "just below / above" means for it.
_PROBES: Final[list[tuple[Callable[[str], bool], Callable[[str, float], tuple[str, dict[str, Any]]], float]]] = [
    (lambda k: k.startswith("credit.") and k.endswith("_pct"), _credit, PCT_STEP),
    (lambda k: k.startswith("discount.tiers[") and k.endswith(".max_pct"), _discount, PCT_STEP),
    (lambda k: k.startswith("discount.segment_caps."), _discount, PCT_STEP),
    (lambda k: k in ("discount.max_duration_months", "discount.legal_review_over_months"), _duration, 1),
    (lambda k: k.startswith("margin.") and k.endswith("_pct"), _margin, PCT_STEP),
    (lambda k: k == "cost.executive_over", _cost, 1),
]


def probes_for(change: DataChange) -> list[Probe] | None:
    """Probes around the old and the new value of a numeric change; None when the key has no known probe."""
    for applies, make, step in _PROBES:
        if change.numeric and applies(change.path):
            probes = []
            for threshold in sorted({float(change.old), float(change.new)}):
                for position, value in (("below", threshold - step), ("at", threshold), ("above", threshold + step)):
                    if value < 0:
                        continue
                    field, case = make(change.path, value)
                    policy_input = build_input(case)
                    if make is _margin:
                        # Float arithmetic can land a hair off the target: the report shows what was sent.
                        field += f", sent {policy_input['derived']['margin_after_offer_pct']!r}"
                    probes.append(Probe(change.path, threshold, position, field, policy_input))
            return probes
    return None


def larger_discount(policy_input: dict[str, Any], step: float = 5) -> dict[str, Any] | None:
    """The same logged case with a discount step points larger, re-derived; None if it cannot be rebuilt."""
    case = json.loads(json.dumps(policy_input["case"]))
    case["proposed_offer"]["discount_pct"] = min(case["proposed_offer"]["discount_pct"] + step, 100)
    try:
        model = SaveCaseCreate.model_validate(case)
        history = HistoryFacts.model_validate(policy_input["history"]) if policy_input.get("history") else None
        at = PolicyInput.model_validate(policy_input).derived.decision_time
    except (ValueError, KeyError, TypeError):
        return None
    assembled = assemble_evidence(case=model, decision_time=at, history=history or NO_HISTORY)
    if history is None:
        assembled = assembled.model_copy(update={"history": None})
    return assembled.model_dump(mode="json")
