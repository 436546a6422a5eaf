# METADATA
# title: Legal, urgency, billing and pause scenarios
# description: >-
#   Legal triggers, urgent renewals and stage deadlines, renewal rejection,
#   past-due billing, and every reason a case pauses for its owner.
#   Each varies the baseline fixture (mid-market, 84,000 ARR, 72% gross
#   margin, renewal 70 days out, churn score 60, evidence 2 days old), decided
#   at 2026-11-22T12:00:00Z with the derived facts computed by hand.
package retention.scenarios.pauses_test

import data.retention.fixtures
import data.retention.scenarios.helpers

# Legal triggers

test_decision_value_discount_with_non_standard_terms_adds_legal_review if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"trigger": "value_complaint",
			"customer_reason": helpers.value_reason,
			"proposed_offer": object.union(helpers.discount(10, 6), {"non_standard_terms": true}),
		},
		helpers.discount_facts(10, 68.8889, 4200),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "value",
		"save_path": "value_realignment",
		"discount_tier": "standard",
		"legal_review_required": true,
		"approval_chain": helpers.chain(48, [["account_owner"], ["legal"]]),
	})
	"legal.non_standard_terms" in helpers.rules(decision)
}

test_decision_credit_already_promised_to_customer_adds_legal_review if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": object.union(helpers.credit(2000), {"customer_facing_promise": true})},
		helpers.credit_facts(2.381, 71.3171, 2000),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "service",
		"save_path": "service_recovery",
		"legal_review_required": true,
		"approval_chain": helpers.chain(48, [["account_owner"], ["legal"]]),
	})
	"legal.customer_facing_promise" in helpers.rules(decision)
}

test_decision_re_onboarding_with_contract_change_adds_legal_review if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": object.union(helpers.offer("re_onboarding", 0), {"contract_change": true})},
		helpers.no_cost_facts(72),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "service",
		"save_path": "service_recovery",
		"legal_review_required": true,
		"approval_chain": helpers.chain(48, [["account_owner"], ["legal"]]),
	})
	"legal.contract_change" in helpers.rules(decision)
}

# Urgency and deadlines near renewal

test_decision_high_churn_score_renewal_in_20_days_is_urgent_and_goes_to_cs_leadership_in_24h if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"risk": {"churn_score": 85, "health": "red"},
			"contract": {"renewal_date": "2026-12-12"},
		},
		{"days_to_renewal": 20},
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "service",
		"save_path": "service_recovery",
		"escalation_level": "director",
		"urgent": true,
		"approval_chain": helpers.chain(24, [["account_owner"], ["cs_leadership"]]),
	})
	{"escalation.urgent", "escalation.director.urgent"} - helpers.rules(decision) == set()
}

test_decision_churn_risk_renewal_in_10_days_is_urgent_with_8_hour_stages if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"trigger": "churn_risk",
			"customer_reason": helpers.value_reason,
			"risk": {"churn_score": 90, "health": "red"},
			"contract": {"renewal_date": "2026-12-02"},
			"proposed_offer": helpers.offer("re_onboarding", 0),
		},
		object.union({"days_to_renewal": 10}, helpers.no_cost_facts(72)),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "value",
		"save_path": "value_realignment",
		"escalation_level": "director",
		"urgent": true,
		"approval_chain": helpers.chain(8, [["account_owner"], ["cs_leadership"]]),
	})
}

test_decision_renewal_in_28_days_with_moderate_churn_score_is_not_urgent_but_due_in_24h if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"risk": {"churn_score": 79}, "contract": {"renewal_date": "2026-12-20"}},
		{"days_to_renewal": 28},
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "service",
		"save_path": "service_recovery",
		"approval_chain": helpers.owner_only(24),
	})
}

# Renewal rejection and billing

test_decision_renewal_rejected_over_quote_12pct_for_12_months_goes_owner_then_finance_in_24h if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"trigger": "renewal_rejected",
			"customer_reason": {"category": null, "text": "The renewal quote is too expensive.", "sentiment": "calm"},
			"contract": {"status": "in_notice", "renewal_date": "2027-01-10"},
			"proposed_offer": helpers.discount(12, 12),
		},
		object.union({"days_to_renewal": 49}, helpers.discount_facts(12, 68.1818, 10080)),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "elevated",
		"approval_chain": helpers.chain(24, [["account_owner"], ["finance"]]),
	})
}

test_decision_account_120_days_past_due_asking_8pct_discount_adds_finance if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"customer_reason": helpers.price_reason,
			"billing": {"past_due_days": 120},
			"proposed_offer": helpers.discount(8, 6),
		},
		helpers.discount_facts(8, 69.5652, 3360),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "standard",
		"approval_chain": helpers.chain(48, [["account_owner"], ["finance"]]),
	})
	"chain.finance.past_due" in helpers.rules(decision)
}

test_decision_account_60_days_past_due_with_small_discount_stays_with_owner if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"customer_reason": helpers.price_reason,
			"billing": {"past_due_days": 60},
			"proposed_offer": helpers.discount(8, 6),
		},
		helpers.discount_facts(8, 69.5652, 3360),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "standard",
		"approval_chain": helpers.owner_only(48),
	})
}

test_decision_account_120_days_past_due_offered_re_onboarding_needs_no_finance if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"billing": {"past_due_days": 120}, "proposed_offer": helpers.offer("re_onboarding", 0)},
		helpers.no_cost_facts(72),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "service",
		"save_path": "service_recovery",
		"approval_chain": helpers.owner_only(48),
	})
}

# Pauses

test_decision_active_contract_whose_renewal_lapsed_a_week_ago_pauses_as_contradictory if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"contract": {"status": "active", "renewal_date": "2026-11-15"}},
		{"days_to_renewal": -7},
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "pause",
		"reason_class": "service",
		"save_path": "service_recovery",
		"approval_chain": helpers.owner_only(8),
		"pause_reasons": ["contradictory_evidence"],
	})
	"pause.contradictory_evidence" in helpers.rules(decision)
}

test_decision_evidence_three_weeks_old_pauses_as_stale if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"evidence_as_of": "2026-11-01T12:00:00Z"},
		{"evidence_age_days": 21},
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "pause",
		"reason_class": "service",
		"save_path": "service_recovery",
		"approval_chain": helpers.owner_only(48),
		"pause_reasons": ["stale_evidence"],
	})
	"pause.stale_evidence" in helpers.rules(decision)
}

test_decision_angry_customer_pauses_for_a_person_to_talk_first if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": {"sentiment": "angry"}},
		{},
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "pause",
		"reason_class": "service",
		"save_path": "service_recovery",
		"approval_chain": helpers.owner_only(48),
		"pause_reasons": ["emotionally_charged"],
	})
}

test_decision_case_without_arr_or_owner_pauses_listing_missing_fields if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"account": {"arr": null, "owner_id": null}, "proposed_offer": helpers.offer("re_onboarding", 0)},
		helpers.no_cost_facts(72),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "pause",
		"reason_class": "service",
		"save_path": "service_recovery",
		"approval_chain": helpers.owner_only(48),
		"pause_reasons": ["missing_evidence"],
		"missing_evidence": ["account.arr", "account.owner_id"],
	})
}

test_decision_credit_carrying_a_discount_percentage_pauses_as_contradictory if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": {"discount_pct": 10}},
		{},
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "pause",
		"reason_class": "service",
		"save_path": "service_recovery",
		"approval_chain": helpers.owner_only(48),
		"pause_reasons": ["contradictory_evidence"],
	})
}

test_decision_complaint_naming_both_slow_support_and_price_is_unclear_and_pauses if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": {"text": "Support is slow and the price keeps going up."}},
		{},
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "pause",
		"reason_class": "unclear",
		"save_path": null,
		"approval_chain": helpers.owner_only(48),
		"pause_reasons": ["reason_unclear"],
	})
	"classification.ambiguous" in helpers.rules(decision)
}

test_decision_angry_customer_with_over_cap_discount_pauses_before_declining if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": helpers.smb,
			"customer_reason": {"category": "price", "sentiment": "angry"},
			"proposed_offer": helpers.discount(18, 6),
		},
		helpers.discount_facts(18, 69.5122, 1080),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "pause",
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "elevated",
		"approval_chain": helpers.owner_only(48),
		"pause_reasons": ["emotionally_charged"],
		"violations": ["discount_above_segment_cap"],
	})
}
