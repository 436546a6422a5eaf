# METADATA
# title: Offer scenarios (tiers, caps, margin, credits and catalogue)
# description: >-
#   Discount tiers and segment caps, duration limits, the margin guard,
#   service credits as a share of ARR, and offers outside the catalogue.
#   Each varies the baseline fixture (mid-market, 84,000 ARR, 72% gross
#   margin, renewal 70 days out, churn score 60, evidence 2 days old), decided
#   at 2026-11-22T12:00:00Z with the derived facts computed by hand.
package retention.scenarios.offers_test

import data.retention.fixtures
import data.retention.scenarios.helpers

# Discount tiers, segment caps, duration

test_decision_smb_budget_cut_15pct_at_segment_cap_routes_elevated_with_finance if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"account": helpers.smb, "customer_reason": helpers.price_reason, "proposed_offer": helpers.discount(15, 6)},
		helpers.discount_facts(15, 70.5882, 900),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "elevated",
		"approval_chain": helpers.chain(48, [["account_owner"], ["finance"]]),
	})
}

test_decision_smb_price_objection_18pct_above_segment_cap_declines if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"account": helpers.smb, "customer_reason": helpers.price_reason, "proposed_offer": helpers.discount(18, 6)},
		helpers.discount_facts(18, 69.5122, 1080),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "decline",
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "elevated",
		"approval_chain": helpers.owner_only(48),
		"violations": ["discount_above_segment_cap"],
	})
	{"outcome.decline", "offer.discount_above_segment_cap"} - helpers.rules(decision) == set()
}

test_decision_mid_market_28pct_strategic_discount_above_25pct_cap_declines if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": helpers.price_reason, "proposed_offer": helpers.discount(28, 6)},
		helpers.discount_facts(28, 61.1111, 11760),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "decline",
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "strategic",
		"escalation_level": "executive",
		"approval_chain": helpers.owner_only(48),
		"violations": ["discount_above_segment_cap"],
	})
}

test_decision_enterprise_25pct_strategic_discount_goes_owner_finance_revops_then_executive if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": helpers.enterprise,
			"customer_reason": helpers.price_reason,
			"proposed_offer": helpers.discount(25, 6),
		},
		helpers.discount_facts(25, 73.3333, 25000),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "strategic",
		"escalation_level": "executive",
		"approval_chain": helpers.chain(48, [["account_owner"], ["finance", "revops"], ["executive"]]),
	})
}

test_decision_enterprise_35pct_discount_is_not_allowed_and_above_cap_declines if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": helpers.enterprise,
			"customer_reason": helpers.price_reason,
			"proposed_offer": helpers.discount(35, 6),
		},
		helpers.discount_facts(35, 69.2308, 35000),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "decline",
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "not_allowed",
		"approval_chain": helpers.owner_only(48),
		"violations": ["discount_above_segment_cap", "discount_above_tier_max"],
	})
	"tier.not_allowed" in helpers.rules(decision)
}

test_decision_18_month_discount_needs_legal_review_alongside_owner if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": helpers.price_reason, "proposed_offer": helpers.discount(10, 18)},
		helpers.discount_facts(10, 68.8889, 12600),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "standard",
		"legal_review_required": true,
		"approval_chain": helpers.chain(48, [["account_owner"], ["legal"]]),
	})
	"legal.long_discount" in helpers.rules(decision)
}

test_decision_30_month_discount_over_24_month_maximum_declines if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": helpers.price_reason, "proposed_offer": helpers.discount(10, 30)},
		helpers.discount_facts(10, 68.8889, 21000),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "decline",
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "standard",
		"legal_review_required": true,
		"approval_chain": helpers.owner_only(48),
		"violations": ["duration_above_max"],
	})
}

test_decision_enterprise_20pct_for_24_months_costing_96k_goes_finance_and_legal_then_executive if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": {"segment": "enterprise", "arr": 240000, "gross_margin_pct": 80},
			"customer_reason": helpers.price_reason,
			"proposed_offer": helpers.discount(20, 24),
		},
		helpers.discount_facts(20, 75, 96000),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "elevated",
		"legal_review_required": true,
		"escalation_level": "executive",
		"approval_chain": helpers.chain(48, [["account_owner"], ["finance", "legal"], ["executive"]]),
	})
	"cost.executive" in helpers.rules(decision)
}

# Margin guard

test_decision_low_margin_account_10pct_discount_leaves_46pct_margin_and_escalates_to_executive if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": {"gross_margin_pct": 52},
			"customer_reason": helpers.price_reason,
			"proposed_offer": helpers.discount(10, 6),
		},
		helpers.discount_facts(10, 46.6667, 4200),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "standard",
		"escalation_level": "executive",
		"approval_chain": helpers.chain(48, [["account_owner"], ["executive"]]),
	})
	"margin.executive" in helpers.rules(decision)
}

test_decision_thin_margin_account_20pct_discount_breaches_margin_floor_and_declines if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": {"gross_margin_pct": 40},
			"customer_reason": helpers.price_reason,
			"proposed_offer": helpers.discount(20, 6),
		},
		helpers.discount_facts(20, 25, 8400),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "decline",
		"reason_class": "price",
		"save_path": "commercial_concession",
		"discount_tier": "elevated",
		"escalation_level": "executive",
		"approval_chain": helpers.owner_only(48),
		"violations": ["margin_floor"],
	})
	"margin.floor" in helpers.rules(decision)
}

# Service credits as a share of ARR

test_decision_outage_credit_of_10pct_arr_adds_finance_after_owner if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": helpers.credit(8400)},
		helpers.credit_facts(10, 68.8889, 8400),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "service",
		"save_path": "service_recovery",
		"approval_chain": helpers.chain(48, [["account_owner"], ["finance"]]),
	})
	{"credit.finance", "chain.finance.credit"} - helpers.rules(decision) == set()
}

test_decision_outage_credit_of_17_5pct_arr_goes_owner_finance_then_executive if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": helpers.credit(14700)},
		helpers.credit_facts(17.5, 66.0606, 14700),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "service",
		"save_path": "service_recovery",
		"escalation_level": "executive",
		"approval_chain": helpers.chain(48, [["account_owner"], ["finance"], ["executive"]]),
	})
	"credit.executive" in helpers.rules(decision)
}

test_decision_outage_credit_of_30pct_arr_above_credit_maximum_declines if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": helpers.credit(25200)},
		helpers.credit_facts(30, 60, 25200),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "decline",
		"reason_class": "service",
		"save_path": "service_recovery",
		"escalation_level": "executive",
		"approval_chain": helpers.owner_only(48),
		"violations": ["credit_above_max"],
	})
}

test_decision_large_enterprise_small_credit_still_escalates_to_executive_on_arr if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": {"segment": "enterprise", "arr": 400000, "gross_margin_pct": 80},
			"proposed_offer": helpers.credit(10000),
		},
		helpers.credit_facts(2.5, 79.4872, 10000),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"reason_class": "service",
		"save_path": "service_recovery",
		"escalation_level": "executive",
		"approval_chain": helpers.chain(48, [["account_owner"], ["executive"]]),
	})
	"escalation.executive.arr" in helpers.rules(decision)
}

# Offers outside the catalogue for the reason, and bad fit

test_decision_discount_for_a_service_complaint_is_not_approved_and_declines if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": helpers.discount(10, 6)},
		helpers.discount_facts(10, 68.8889, 4200),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "decline",
		"reason_class": "service",
		"save_path": "service_recovery",
		"discount_tier": "standard",
		"approval_chain": helpers.owner_only(48),
		"violations": ["offer_not_approved_for_reason"],
	})
	"offer.not_approved_for_reason" in helpers.rules(decision)
}

test_decision_timing_case_offered_a_credit_is_not_approved_and_declines if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": helpers.timing_reason, "proposed_offer": helpers.credit(2000)},
		helpers.credit_facts(2.381, 71.3171, 2000),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "decline",
		"reason_class": "timing",
		"save_path": "timing_adjustment",
		"approval_chain": helpers.owner_only(48),
		"violations": ["offer_not_approved_for_reason"],
	})
}

test_decision_poor_fit_customer_with_feature_gap_asking_discount_declines_twice_over if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": {"icp_fit": "poor"},
			"customer_reason": helpers.fit_reason,
			"proposed_offer": helpers.discount(10, 6),
		},
		helpers.discount_facts(10, 68.8889, 4200),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "decline",
		"reason_class": "fit",
		"save_path": "managed_exit",
		"discount_tier": "standard",
		"approval_chain": helpers.owner_only(48),
		"violations": ["offer_not_approved_for_reason", "unprofitable_fit"],
	})
}

test_decision_poor_fit_low_adoption_credit_is_unprofitable_and_declines if {
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"trigger": "value_complaint",
			"account": {"icp_fit": "poor"},
			"customer_reason": helpers.value_reason,
			"proposed_offer": helpers.credit(2000),
		},
		helpers.credit_facts(2.381, 71.3171, 2000),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "decline",
		"reason_class": "value",
		"save_path": "value_realignment",
		"approval_chain": helpers.owner_only(48),
		"violations": ["unprofitable_fit"],
	})
	"offer.unprofitable_fit" in helpers.rules(decision)
}

test_decision_hiring_freeze_four_month_pause_is_too_long_and_declines if {
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": helpers.timing_reason, "proposed_offer": helpers.offer("pause", 4)},
		helpers.no_cost_facts(72),
	)
	helpers.without_explanations(decision) == helpers.expected({
		"outcome": "decline",
		"reason_class": "timing",
		"save_path": "timing_adjustment",
		"approval_chain": helpers.owner_only(48),
		"violations": ["pause_too_long"],
	})
}
