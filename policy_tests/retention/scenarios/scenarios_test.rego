# METADATA
# title: Whole-case save-offer scenarios
# description: >-
#   Realistic save cases as a CRM sends them, each decided at
#   2026-11-22T12:00:00Z with the derived facts computed by hand from the
#   domain brief's formulas, and the whole decision (outcome, reason class,
#   save path, tier, legal review, escalation, urgency, approval chain, pause
#   reasons, missing evidence and violations) stated as the brief says it
#   must be. The three shared examples are included as they are.
package retention.scenarios_test

import data.retention.fixtures
import data.retention.scenarios.helpers

# Scenarios on the baseline mid-market account (84,000 ARR, 7,000 a month,
# 72% gross margin, renewal 70 days out, churn score 60, evidence 2 days old)

# Route: reason classes and save paths

test_decision_value_complaint_about_low_adoption_routes_re_onboarding_to_owner if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"trigger": "value_complaint",
			"customer_reason": helpers.value_reason,
			"proposed_offer": helpers.offer("re_onboarding", 0),
		},
		helpers.no_cost_facts(72),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "value",
		"save_path": "value_realignment",
		"approval_chain": helpers.owner_only(48),
	})
}

test_decision_churn_model_flags_shelfware_without_cancellation_routes_value_realignment if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"trigger": "churn_risk",
			"customer_reason": {"category": null, "text": "Low usage; most seats are shelfware.", "sentiment": "neutral"},
			"risk": {"churn_score": 88, "health": "red", "usage_trend_pct": -48, "active_user_pct": 30},
			"contract": {"renewal_date": "2027-03-01"},
			"proposed_offer": helpers.offer("re_onboarding", 0),
		},
		object.union({"days_to_renewal": 99}, helpers.no_cost_facts(72)),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "value",
		"save_path": "value_realignment",
		"approval_chain": helpers.owner_only(48),
	})
}

test_decision_price_request_without_keywords_defaults_to_price_and_routes_standard_discount if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"trigger": "price_concession_request",
			"customer_reason": {"category": null, "text": "Can we talk before we sign?", "sentiment": "calm"},
			"proposed_offer": helpers.discount(5, 6),
		},
		helpers.discount_facts(5, 70.5263, 2100),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "standard",
		"approval_chain": helpers.owner_only(48),
	})
	"classification.trigger_default" in helpers.rules(decision)
}

test_decision_mid_market_price_objection_8pct_for_6_months_routes_standard_tier_to_owner if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": helpers.price_reason, "proposed_offer": helpers.discount(8, 6)},
		helpers.discount_facts(8, 69.5652, 3360),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "standard",
		"approval_chain": helpers.owner_only(48),
	})
}

test_decision_mid_market_price_objection_15pct_is_elevated_and_adds_finance if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": helpers.price_reason, "proposed_offer": helpers.discount(15, 6)},
		helpers.discount_facts(15, 67.0588, 6300),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "elevated",
		"approval_chain": helpers.chain(48, [["account_owner"], ["finance"]]),
	})
	"chain.finance.tier" in helpers.rules(decision)
}

test_decision_fit_gap_downgrade_with_scope_change_routes_managed_exit_via_legal if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"customer_reason": helpers.fit_reason,
			"proposed_offer": object.union(helpers.offer("plan_change", 0), {"scope_change": true}),
		},
		helpers.no_cost_facts(72),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "fit",
		"save_path": "managed_exit",
		"legal_review_required": true,
		"approval_chain": helpers.chain(48, [["account_owner"], ["legal"]]),
	})
	"legal.scope_change" in helpers.rules(decision)
}

test_decision_hiring_freeze_three_month_pause_routes_timing_adjustment_to_owner if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": helpers.timing_reason, "proposed_offer": helpers.offer("pause", 3)},
		helpers.no_cost_facts(72),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "timing",
		"save_path": "timing_adjustment",
		"approval_chain": helpers.owner_only(48),
	})
}

test_decision_hiring_freeze_two_month_extension_needs_legal_review if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": helpers.timing_reason, "proposed_offer": helpers.offer("extension", 2)},
		helpers.no_cost_facts(72),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "timing",
		"save_path": "timing_adjustment",
		"legal_review_required": true,
		"approval_chain": helpers.chain(48, [["account_owner"], ["legal"]]),
	})
	"legal.extension" in helpers.rules(decision)
}

test_decision_mid_market_champion_left_escalates_re_onboarding_to_cs_leadership if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": helpers.relationship_reason, "proposed_offer": helpers.offer("re_onboarding", 0)},
		helpers.no_cost_facts(72),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "relationship",
		"save_path": "relationship_escalation",
		"escalation_level": "director",
		"approval_chain": helpers.chain(48, [["account_owner"], ["cs_leadership"]]),
	})
	"escalation.director.relationship" in helpers.rules(decision)
}

test_decision_enterprise_relationship_breakdown_escalates_to_executive if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": helpers.enterprise,
			"customer_reason": helpers.relationship_reason,
			"proposed_offer": helpers.offer("re_onboarding", 0),
		},
		helpers.no_cost_facts(80),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "relationship",
		"save_path": "relationship_escalation",
		"escalation_level": "executive",
		"approval_chain": helpers.chain(48, [["account_owner"], ["executive"]]),
	})
	"escalation.executive.enterprise_relationship" in helpers.rules(decision)
}
