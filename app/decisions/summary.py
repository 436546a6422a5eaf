"""The approver's evidence summary: deterministic, from the decision and the evidence the policy saw."""

from app.decisions.alternatives import alternatives_of
from app.decisions.models import Decision
from app.decisions.schemas import EvidenceSummaryRead

# Explanations that say why someone is in the approval chain.
_CHAIN_RULE_PREFIXES = ("chain.", "escalation.", "legal.", "tier.", "credit.", "margin.", "cost.")


def evidence_summary(decision: Decision) -> EvidenceSummaryRead:
    """Summarize what the approver must weigh: reason, value and margin, contract, service history, chain rules."""
    case = decision.policy_input["case"]
    derived = decision.policy_input["derived"]
    document = decision.decision
    account = case["account"]
    offer = case["proposed_offer"]
    contract = case.get("contract") or {}
    history = case.get("service_history") or {}
    explanations = document["explanations"]
    return EvidenceSummaryRead(
        reason_class=document["reason_class"],
        reason_why=[e["message"] for e in explanations if e["rule"].startswith("classification.")],
        save_path=document["save_path"],
        account={
            "id": account["id"],
            "name": account.get("name"),
            "segment": account["segment"],
            "arr": account.get("arr"),
            "currency": account.get("currency"),
            "gross_margin_pct": account.get("gross_margin_pct"),
            "margin_after_offer_pct": derived.get("margin_after_offer_pct"),
            "tenure_months": derived.get("tenure_months"),
        },
        offer={
            **{k: offer.get(k) for k in ("type", "discount_pct", "duration_months", "credit_amount")},
            "offer_cost": derived.get("offer_cost"),
            "credit_share_pct": derived.get("credit_share_pct"),
            "discount_tier": document["discount_tier"],
            "legal_review_required": document["legal_review_required"],
        },
        contract={
            **{k: contract.get(k) for k in ("status", "renewal_date", "term_months", "auto_renew", "notice_days")},
            "days_to_renewal": derived.get("days_to_renewal"),
        },
        service_history={
            k: history.get(k)
            for k in ("open_tickets", "escalations_90d", "sla_breaches_90d", "csat", "nps", "last_business_review")
        },
        chain_rules=[e for e in explanations if e["rule"].startswith(_CHAIN_RULE_PREFIXES)],
        alternatives=alternatives_of(document),
    )
