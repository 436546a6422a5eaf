# METADATA
# title: Money the policy cannot price
# description: >-
#   Whole decisions on degenerate money: a costed offer on an ARR of zero or
#   less pauses naming account.arr; a credit at or above the ARR, or a full
#   discount, breaks the margin floor; a figure a cap needs that cannot be
#   derived pauses naming it. Each varies the baseline fixture (mid-market,
#   84,000 ARR, 72% gross margin, renewal 70 days out), with the derived
#   facts as the service computes them (app/cases/evidence.py).
package retention.scenarios.money_test

import data.retention.fixtures
import data.retention.scenarios.helpers

# The service's figures for a credit on an ARR of zero or less: no share, no concession, no margin.
_no_share := {"credit_share_pct": null, "concession_pct": null, "margin_after_offer_pct": null}

_service := {"reason_class": "service", "save_path": "service_recovery"}

_price := {"reason_class": "price", "save_path": "commercial_concession"}

# ARR zero or less

test_decision_credit_on_zero_arr_pauses_naming_account_arr if {
	decision := data.retention.decision with input as fixtures.case_input({"account": {"arr": 0}}, _no_share)
	helpers.without_explanations(decision) == helpers.expected(object.union(_service, {
		"outcome": "pause",
		"approval_chain": helpers.owner_only(48),
		"pause_reasons": ["missing_evidence"],
		"missing_evidence": ["account.arr"],
	}))
	{"outcome.pause", "pause.missing_evidence"} - helpers.rules(decision) == set()
}

test_decision_discount_on_zero_arr_pauses_naming_account_arr if {
	# 10% for 6 months: the margin derives without ARR (68.8889) and the cost is 0, yet nothing can be capped.
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": {"arr": 0},
			"customer_reason": helpers.price_reason,
			"proposed_offer": helpers.discount(10, 6),
		},
		helpers.discount_facts(10, 68.8889, 0),
	)
	helpers.without_explanations(decision) == helpers.expected(object.union(_price, {
		"outcome": "pause",
		"discount_tier": "standard",
		"approval_chain": helpers.owner_only(48),
		"pause_reasons": ["missing_evidence"],
		"missing_evidence": ["account.arr"],
	}))
}

test_decision_credit_on_negative_arr_pauses_naming_account_arr if {
	# The input schema and the service refuse a negative ARR; the policy does not rely on it.
	decision := data.retention.decision with input as fixtures.case_input({"account": {"arr": -84000}}, _no_share)
	decision.outcome == "pause"
	decision.missing_evidence == ["account.arr"]
	decision.violations == []
}

test_decision_over_cap_discount_on_zero_arr_pauses_before_declining if {
	# A 100% discount on a zero ARR: the pause outranks the tier, cap and floor it also breaks.
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": {"arr": 0},
			"customer_reason": helpers.price_reason,
			"proposed_offer": helpers.discount(100, 12),
		},
		helpers.discount_facts(100, -1000000, 0),
	)
	decision.outcome == "pause"
	decision.missing_evidence == ["account.arr"]
	decision.violations == ["discount_above_segment_cap", "discount_above_tier_max", "margin_floor"]
}

# A concession of all of the revenue or more

test_decision_credit_equal_to_arr_declines_on_credit_cap_and_margin_floor if {
	# 84,000 on 84,000 ARR: 100% of it. No revenue is left: the margin reads -1,000,000, below any floor.
	decision := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": helpers.credit(84000)},
		helpers.credit_facts(100, -1000000, 84000),
	)
	helpers.without_explanations(decision) == helpers.expected(object.union(_service, {
		"outcome": "decline",
		"escalation_level": "executive",
		"approval_chain": helpers.owner_only(48),
		"violations": ["credit_above_max", "margin_floor"],
	}))
	{"outcome.decline", "offer.credit_above_max", "margin.floor", "margin.executive"} - helpers.rules(decision) == set()
}

test_decision_credit_above_arr_declines_on_the_margin_floor_too if {
	# 100,000 on 84,000 ARR: 119.05%.
	decision := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": helpers.credit(100000)},
		helpers.credit_facts(119.0476, -1000000, 100000),
	)
	decision.outcome == "decline"
	decision.violations == ["credit_above_max", "margin_floor"]
}

test_decision_credit_just_under_arr_declines_on_its_margin if {
	# 83,999 on 84,000 ARR is 99.9988%: 100 x (1 - 0.28 / 0.0000119) = -2,351,900, reported as -1,000,000.
	decision := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": helpers.credit(83999)},
		helpers.credit_facts(99.9988, -1000000, 83999),
	)
	decision.outcome == "decline"
	decision.violations == ["credit_above_max", "margin_floor"]

	# 83,160 is 99%: 100 x (1 - 0.28 / 0.01) = -2,700.
	at_99 := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": helpers.credit(83160)},
		helpers.credit_facts(99, -2700, 83160),
	)
	at_99.violations == ["credit_above_max", "margin_floor"]
}

test_decision_credit_at_arr_breaks_the_floor_whatever_the_cap_data_says if {
	# Finance lifting the credit cap to 100% does not lift the margin floor off a credit of the whole ARR.
	decision := data.retention.decision with input as fixtures.case_input(
		{"proposed_offer": helpers.credit(84000)},
		helpers.credit_facts(100, -1000000, 84000),
	)
		with data.retention.config.credit.max_pct as 100
		with data.retention.config.margin.floor_pct as 0
	decision.outcome == "decline"
	decision.violations == ["margin_floor"]
}

test_decision_full_discount_declines_on_tier_cap_and_margin_floor if {
	# 100% off for 12 months of 84,000 ARR: 84,000, and no revenue left.
	decision := data.retention.decision with input as fixtures.case_input(
		{"customer_reason": helpers.price_reason, "proposed_offer": helpers.discount(100, 12)},
		helpers.discount_facts(100, -1000000, 84000),
	)
	helpers.without_explanations(decision) == helpers.expected(object.union(_price, {
		"outcome": "decline",
		"discount_tier": "not_allowed",
		"escalation_level": "executive",
		"approval_chain": helpers.owner_only(48),
		"violations": ["discount_above_segment_cap", "discount_above_tier_max", "margin_floor"],
	}))
}

# Figures that cannot be derived

test_decision_credit_whose_share_overflows_on_a_tiny_arr_pauses_naming_the_figures if {
	# 3,000 on an ARR of 5e-324 overflows a float: the service sends no share, concession or margin.
	decision := data.retention.decision with input as fixtures.case_input({"account": {"arr": 5e-324}}, _no_share)
	helpers.without_explanations(decision) == helpers.expected(object.union(_service, {
		"outcome": "pause",
		"approval_chain": helpers.owner_only(48),
		"pause_reasons": ["missing_evidence"],
		"missing_evidence": ["derived.concession_pct", "derived.credit_share_pct", "derived.margin_after_offer_pct"],
	}))
	{"pause.missing_evidence", "pause.underivable_figures"} - helpers.rules(decision) == set()
}

test_decision_costed_offer_missing_any_figure_pauses_instead_of_skipping_a_cap if {
	every figure in ["credit_share_pct", "concession_pct", "margin_after_offer_pct", "offer_cost"] {
		decision := data.retention.decision with input as fixtures.case_input({}, {figure: null})
		decision.outcome == "pause"
		decision.missing_evidence == [sprintf("derived.%s", [figure])]
	}
}

test_decision_offer_without_cost_needs_no_money_figures if {
	# A pause on a zero ARR costs nothing and is capped by months, not money: it routes.
	decision := data.retention.decision with input as fixtures.case_input(
		{
			"account": {"arr": 0},
			"customer_reason": helpers.timing_reason,
			"proposed_offer": helpers.offer("pause", 2),
		},
		helpers.no_cost_facts(72),
	)
	decision.outcome == "route"
	decision.missing_evidence == []
}
