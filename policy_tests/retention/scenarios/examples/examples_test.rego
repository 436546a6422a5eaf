# METADATA
# title: Shared example save cases
# description: >-
#   The three example payloads from the shared examples, decided at
#   2026-11-22T12:00:00Z with the outcomes the examples README states.
package retention.scenarios.examples_test

import data.retention.fixtures
import data.retention.scenarios.helpers

# The shared examples, as the CRM sends them

_northwind_case := {
	"event_id": "sf-evt-000123",
	"source": "salesforce",
	"occurred_at": "2026-11-20T15:04:05Z",
	"trigger": "cancellation_request",
	"account": {
		"id": "001A000001LxQ2",
		"name": "Northwind Logistics",
		"segment": "mid_market",
		"owner_id": "u-csm-17",
		"arr": 84000,
		"currency": "USD",
		"gross_margin_pct": 72,
		"customer_since": "2023-02-01",
		"icp_fit": "strong",
	},
	"customer_reason": {
		"category": null,
		"text": concat(" ", [
			"Our weekly reports were delivered late three months in a row and support took days to answer.",
			"We are looking at alternatives.",
		]),
		"sentiment": "frustrated",
	},
	"risk": {"churn_score": 82, "health": "red", "usage_trend_pct": -35, "active_user_pct": 41},
	"contract": {
		"status": "active",
		"renewal_date": "2027-01-31",
		"term_months": 12,
		"auto_renew": false,
		"notice_days": 60,
	},
	"service_history": {
		"open_tickets": 4,
		"escalations_90d": 2,
		"sla_breaches_90d": 3,
		"csat": 3.1,
		"nps": -20,
		"last_business_review": "2026-03-10",
	},
	"billing": {"past_due_days": 0},
	"proposed_offer": {
		"type": "service_credit",
		"discount_pct": 0,
		"duration_months": 0,
		"credit_amount": 3000,
		"contract_change": false,
		"scope_change": false,
		"non_standard_terms": false,
		"customer_facing_promise": false,
	},
	"requested_by": {"id": "u-csm-17", "role": "csm"},
	"evidence_as_of": "2026-11-20T12:00:00Z",
}

_contoso_case := {
	"event_id": "hs-7781-renewal",
	"source": "hubspot",
	"occurred_at": "2026-11-18T09:30:00Z",
	"trigger": "price_concession_request",
	"account": {
		"id": "hs-company-99120",
		"name": "Contoso Health",
		"segment": "enterprise",
		"owner_id": "u-am-04",
		"arr": 310000,
		"currency": "USD",
		"gross_margin_pct": 78,
		"customer_since": "2021-06-15",
		"icp_fit": "strong",
	},
	"customer_reason": {
		"category": "price",
		"text": "The renewal quote is 18% above last year and procurement will not sign it.",
		"sentiment": "calm",
	},
	"risk": {"churn_score": 64, "health": "yellow", "usage_trend_pct": 4, "active_user_pct": 77},
	"contract": {
		"status": "active",
		"renewal_date": "2027-01-10",
		"term_months": 24,
		"auto_renew": false,
		"notice_days": 90,
	},
	"service_history": {
		"open_tickets": 1,
		"escalations_90d": 0,
		"sla_breaches_90d": 0,
		"csat": 4.4,
		"nps": 31,
		"last_business_review": "2026-09-02",
	},
	"billing": {"past_due_days": 0},
	"proposed_offer": {
		"type": "discount",
		"discount_pct": 22,
		"duration_months": 12,
		"credit_amount": 0,
		"contract_change": false,
		"scope_change": false,
		"non_standard_terms": false,
		"customer_facing_promise": false,
	},
	"requested_by": {"id": "u-csm-31", "role": "csm"},
	"evidence_as_of": "2026-11-18T08:00:00Z",
}

_fabrikam_case := {
	"event_id": "cs-platform-55410",
	"source": "gainsight",
	"occurred_at": "2026-11-21T17:45:00Z",
	"trigger": "churn_risk",
	"account": {
		"id": "acct-4410",
		"name": "Fabrikam Studio",
		"segment": "smb",
		"owner_id": "u-csm-08",
		"arr": 9600,
		"currency": "USD",
		"gross_margin_pct": null,
		"customer_since": "2025-09-01",
		"icp_fit": "partial",
	},
	"customer_reason": {"category": "unknown", "text": "Thinking about our options.", "sentiment": "unknown"},
	"risk": {"churn_score": 71, "health": "red", "usage_trend_pct": -52, "active_user_pct": 22},
	"contract": {
		"status": "active",
		"renewal_date": "2026-12-01",
		"term_months": 12,
		"auto_renew": true,
		"notice_days": 30,
	},
	"service_history": {
		"open_tickets": 0,
		"escalations_90d": 0,
		"sla_breaches_90d": 0,
		"csat": null,
		"nps": null,
		"last_business_review": null,
	},
	"billing": {"past_due_days": 0},
	"proposed_offer": {
		"type": "discount",
		"discount_pct": 10,
		"duration_months": 3,
		"credit_amount": 0,
		"contract_change": false,
		"scope_change": false,
		"non_standard_terms": false,
		"customer_facing_promise": false,
	},
	"requested_by": {"id": "u-csm-08", "role": "csm"},
	"evidence_as_of": "2026-11-21T17:00:00Z",
}

# Example: renewal 70 days out, evidence 2 days old, customer for 45 months;
# 3,000 credit on 84,000 ARR is 3.5714% of ARR, margin 72% -> 70.963%.
test_decision_example_cancellation_after_slow_delivery_routes_to_service_recovery_with_credit if {
	decision := data.retention.decision with input as {
		"case": _northwind_case,
		"history": fixtures.base_history,
		"derived": {
			"decision_time": helpers.decision_time,
			"days_to_renewal": 70,
			"evidence_age_days": 2,
			"tenure_months": 45,
			"credit_share_pct": 3.5714,
			"concession_pct": 3.5714,
			"margin_after_offer_pct": 70.963,
			"offer_cost": 3000,
		},
	}
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "service",
		"save_path": "service_recovery",
		"approval_chain": helpers.owner_only(48),
	})
	"classification.keywords" in helpers.rules(decision)
}

# Example: renewal 49 days out (24-hour stages), evidence 4.17 days old;
# 22% of 310,000 for 12 months costs 68,200, margin 78% -> 71.7949%.
test_decision_example_enterprise_price_objection_22pct_goes_owner_finance_revops_then_executive if {
	decision := data.retention.decision with input as {
		"case": _contoso_case,
		"history": fixtures.base_history,
		"derived": {
			"decision_time": helpers.decision_time,
			"days_to_renewal": 49,
			"evidence_age_days": 4.1667,
			"tenure_months": 65,
			"credit_share_pct": 0,
			"concession_pct": 22,
			"margin_after_offer_pct": 71.7949,
			"offer_cost": 68200,
		},
	}
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "strategic",
		"escalation_level": "executive",
		"approval_chain": helpers.chain(24, [["account_owner"], ["finance", "revops"], ["executive"]]),
	})
	{
		"escalation.executive.arr",
		"escalation.executive.strategic_discount",
		"escalation.executive.offer_cost",
		"chain.finance.tier",
		"chain.revops.tier",
	} - helpers.rules(decision) == set()
}

# Example: renewal 9 days out (8-hour stage), evidence 0.79 days old; no
# gross margin, so no margin after the offer; 10% of 9,600 for 3 months is 240.
test_decision_example_no_reason_and_no_margin_pauses_for_owner if {
	decision := data.retention.decision with input as {
		"case": _fabrikam_case,
		"history": fixtures.base_history,
		"derived": {
			"decision_time": helpers.decision_time,
			"days_to_renewal": 9,
			"evidence_age_days": 0.7917,
			"tenure_months": 14,
			"credit_share_pct": 0,
			"concession_pct": 10,
			"margin_after_offer_pct": null,
			"offer_cost": 240,
		},
	}
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "pause",
		"reason_class": "unclear",
		"save_path": null,
		"discount_tier": "standard",
		"approval_chain": helpers.owner_only(8),
		"pause_reasons": ["missing_evidence", "reason_unclear"],
		"missing_evidence": ["account.gross_margin_pct"],
	})
	{"outcome.pause", "pause.reason_unclear", "pause.missing_evidence"} - helpers.rules(decision) == set()
}
