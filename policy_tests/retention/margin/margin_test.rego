# METADATA
# title: Margin guard tests
# description: >-
#   The margin floor and the executive thresholds on margin after the offer and
#   on offer cost, at, just under and just over each, with derived facts that
#   follow the brief's formulas for the case they go with.
package retention.margin_test

import data.retention.fixtures
import data.retention.margin

# The baseline credit with only the margin after the offer changed.
_margin(pct) := fixtures.case_input({}, {"margin_after_offer_pct": pct})

# The baseline credit with only the offer cost changed.
_cost(amount) := fixtures.case_input({}, {"offer_cost": amount})

# A price objection with a discount on the given ARR and gross margin; the
# derived margin and cost are given as computed by hand from the formulas.
_discount(arr, gross_margin, pct, months, margin_after, cost) := fixtures.case_input(
	{
		"customer_reason": {"category": "price"},
		"account": {"arr": arr, "gross_margin_pct": gross_margin},
		"proposed_offer": {"type": "discount", "discount_pct": pct, "duration_months": months, "credit_amount": 0},
	},
	{"credit_share_pct": 0, "concession_pct": pct, "margin_after_offer_pct": margin_after, "offer_cost": cost},
)

# A service credit on the given ARR and gross margin.
_credit(arr, gross_margin, amount, share, margin_after) := fixtures.case_input(
	{
		"account": {"arr": arr, "gross_margin_pct": gross_margin},
		"proposed_offer": {"credit_amount": amount},
	},
	{"credit_share_pct": share, "concession_pct": share, "margin_after_offer_pct": margin_after, "offer_cost": amount},
)

# An offer without cost: the service derives d = 0, so the margin is the gross margin.
_uncosted(type, gross_margin) := fixtures.case_input(
	{
		"customer_reason": {"category": "timing"},
		"account": {"gross_margin_pct": gross_margin},
		"proposed_offer": {"type": type, "duration_months": 2, "credit_amount": 0},
	},
	{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": gross_margin, "offer_cost": 0},
)

# Margin floor (30%)

test_violations_margin_floor_just_over_floor_passes if {
	margin.violations == set() with input as _margin(30.01)
}

test_violations_margin_floor_at_floor_passes if {
	margin.violations == set() with input as _margin(30)
}

test_violations_margin_floor_just_under_floor_declines if {
	margin.violations == {"margin_floor"} with input as _margin(29.99)
}

test_violations_margin_floor_negative_margin_declines if {
	margin.violations == {"margin_floor"} with input as _margin(-12.5)
}

test_violations_margin_floor_baseline_credit_passes if {
	margin.violations == set() with input as fixtures.case_input({}, {})
}

test_violations_margin_floor_discount_at_floor_by_formula if {
	# 58% gross margin, 40% off: 100 x (1 - 0.42 / 0.60) = 30.
	margin.violations == set() with input as _discount(84000, 58, 40, 1, 30, 2800)
}

test_violations_margin_floor_discount_under_floor_by_formula if {
	# 58% gross margin, 41% off: 100 x (1 - 0.42 / 0.59) = 28.8136.
	margin.violations == {"margin_floor"} with input as _discount(84000, 58, 41, 1, 28.8136, 2870)
}

test_violations_margin_floor_credit_under_floor_by_formula if {
	# 50% gross margin, a 25% credit (21,000 on 84,000): 100 x (1 - 0.50 / 0.75) = 33.3333;
	# at 40% gross margin: 100 x (1 - 0.60 / 0.75) = 20.
	margin.violations == set() with input as _credit(84000, 50, 21000, 25, 33.3333)
	margin.violations == {"margin_floor"} with input as _credit(84000, 40, 21000, 25, 20)
}

test_violations_margin_floor_not_for_offers_without_cost if {
	# A pause or plan change costs nothing: a thin gross margin is not a concession's fault.
	margin.violations == set() with input as _uncosted("pause", 20)
	margin.violations == set() with input as _uncosted("plan_change", 20)
}

test_violations_margin_floor_unknown_margin_decides_nothing if {
	# A missing gross margin on a costed offer pauses (eligibility); it is never a floor breach here.
	margin.violations == set() with input as _margin(null)
}

test_violations_margin_floor_follows_the_data if {
	margin.violations == {"margin_floor"} with input as _margin(34)
		with data.retention.config.margin.floor_pct as 35
}

# A concession of all of the revenue or more: below any floor, never unknown.
# The service derives its margin as -1,000,000 (the lowest it reports).

test_violations_margin_floor_credit_equal_to_arr_declines if {
	# 84,000 on 84,000 is 100% of the revenue: none is left to divide by.
	inp := _credit(84000, 72, 84000, 100, -1000000)
	margin.violations == {"margin_floor"} with input as inp
	margin.consumes_revenue with input as inp
	margin.needs_executive with input as inp
}

test_violations_margin_floor_credit_above_arr_declines_whatever_figure_stands_for_it if {
	# 100,000 on 84,000 is 119.05%: below any floor even if the margin figure sent were not, or missing.
	margin.violations == {"margin_floor"} with input as _credit(84000, 72, 100000, 119.0476, 72)
	margin.violations == {"margin_floor"} with input as _credit(84000, 72, 100000, 119.0476, null)
	margin.violations == {"margin_floor"} with input as _credit(84000, 72, 84000, 100, 72)
		with data.retention.config.margin.floor_pct as 0
}

test_violations_margin_floor_credit_just_under_arr_declines_on_its_figure if {
	# 83,160 on 84,000 is 99%: 100 x (1 - 0.28 / 0.01) = -2,700. Revenue is left, so it is the figure that fails.
	inp := _credit(84000, 72, 83160, 99, -2700)
	margin.violations == {"margin_floor"} with input as inp
	not margin.consumes_revenue with input as inp
}

test_violations_margin_floor_full_discount_declines if {
	# 100% off for a month of 84,000 ARR: 7,000; nothing is left of the revenue.
	inp := _discount(84000, 72, 100, 1, -1000000, 7000)
	margin.violations == {"margin_floor"} with input as inp
	margin.consumes_revenue with input as inp
}

test_consumes_revenue_not_for_offers_without_cost if {
	inp := fixtures.case_input(
		{
			"customer_reason": {"category": "timing"},
			"proposed_offer": {"type": "pause", "duration_months": 2, "credit_amount": 0},
		},
		{"credit_share_pct": 0, "concession_pct": 100, "margin_after_offer_pct": 72, "offer_cost": 0},
	)
	not margin.consumes_revenue with input as inp
	margin.violations == set() with input as inp
}

test_consumes_revenue_unknown_concession_decides_nothing if {
	# A credit on a zero ARR has no share: eligibility pauses on it; nothing is decided here.
	inp := _credit(0, 72, 3000, null, null)
	not margin.consumes_revenue with input as inp
	margin.violations == set() with input as inp
}

# Figures the margin guards need

test_figures_needed_by_a_costed_offer if {
	figures := {"concession_pct", "margin_after_offer_pct", "offer_cost"}
	margin.figures_needed == figures with input as fixtures.case_input({}, {})
	margin.figures_needed == figures with input as _discount(84000, 72, 10, 6, 68.8889, 4200)
}

test_figures_needed_none_without_cost if {
	margin.figures_needed == set() with input as _uncosted("pause", 72)
	margin.figures_needed == set() with input as _uncosted("plan_change", 72)
}

# Margin needing an executive (below 50%)

test_needs_executive_just_over_threshold_is_false if {
	not margin.needs_executive with input as _margin(50.01)
}

test_needs_executive_at_threshold_is_false if {
	not margin.needs_executive with input as _margin(50)
}

test_needs_executive_just_under_threshold_is_true if {
	margin.needs_executive with input as _margin(49.99)
	margin.violations == set() with input as _margin(49.99)
}

test_needs_executive_under_the_floor_is_true if {
	margin.needs_executive with input as _margin(29.99)
}

test_needs_executive_discount_by_formula if {
	# 60% gross margin: 20% off leaves 100 x (1 - 0.40 / 0.80) = 50; 21% off leaves 49.3671.
	not margin.needs_executive with input as _discount(84000, 60, 20, 12, 50, 16800)
	margin.needs_executive with input as _discount(84000, 60, 21, 12, 49.3671, 17640)
}

test_needs_executive_credit_by_formula if {
	# 58% gross margin, a 15% credit (12,600 on 84,000): 100 x (1 - 0.42 / 0.85) = 50.5882.
	# A 17% credit (14,280): 100 x (1 - 0.42 / 0.83) = 49.3976.
	not margin.needs_executive with input as _credit(84000, 58, 12600, 15, 50.5882)
	margin.needs_executive with input as _credit(84000, 58, 14280, 17, 49.3976)
}

test_needs_executive_not_for_offers_without_cost if {
	not margin.needs_executive with input as _uncosted("pause", 40)
	not margin.needs_executive with input as _uncosted("extension", 40)
}

test_needs_executive_unknown_margin_is_false if {
	not margin.needs_executive with input as _margin(null)
}

# Offer cost needing an executive (over 50,000)

test_cost_needs_executive_just_under_threshold_is_false if {
	not margin.cost_needs_executive with input as _cost(49999.99)
}

test_cost_needs_executive_at_threshold_is_false if {
	not margin.cost_needs_executive with input as _cost(50000)
}

test_cost_needs_executive_just_over_threshold_is_true if {
	margin.cost_needs_executive with input as _cost(50000.01)
}

test_cost_needs_executive_discount_by_formula if {
	# 200,000 ARR at 25% for 12 months: 200,000 / 12 x 0.25 x 12 = 50,000;
	# for 13 months 54,166.67. Margin at 72% gross: 100 x (1 - 0.28 / 0.75) = 62.6667.
	not margin.cost_needs_executive with input as _discount(200000, 72, 25, 12, 62.6667, 50000)
	margin.cost_needs_executive with input as _discount(200000, 72, 25, 13, 62.6667, 54166.67)
}

test_cost_needs_executive_credit_amount if {
	# A 50,000 credit on 1,000,000 ARR is 5%; 60,000 is 6%.
	not margin.cost_needs_executive with input as _credit(1000000, 72, 50000, 5, 70.5263)
	margin.cost_needs_executive with input as _credit(1000000, 72, 60000, 6, 70.2128)
}

test_cost_needs_executive_unknown_cost_is_false if {
	not margin.cost_needs_executive with input as _cost(null)
}

test_cost_needs_executive_offer_without_cost_is_false if {
	not margin.cost_needs_executive with input as _uncosted("pause", 72)
}

# Explanations

test_explanations_margin_floor_names_the_figures if {
	margin.explanations == {
		{"rule": "margin.floor", "message": "The margin after the offer would be 25%, below the 30% floor."},
		{
			"rule": "margin.executive",
			"message": "The margin after the offer would be 25%, below 50%, so it escalates to an executive.",
		},
	} with input as _margin(25)
}

test_explanations_margin_executive_alone_above_the_floor if {
	margin.explanations == {{
		"rule": "margin.executive",
		"message": "The margin after the offer would be 45%, below 50%, so it escalates to an executive.",
	}} with input as _margin(45)
}

test_explanations_cost_executive_names_the_figures if {
	margin.explanations == {{
		"rule": "cost.executive",
		"message": "The offer costs 60000, over 50000, so it escalates to an executive.",
	}} with input as _cost(60000)
}

test_explanations_a_concession_consuming_the_revenue_says_so if {
	margin.explanations == {
		{
			"rule": "margin.floor",
			"message": concat("", [
				"The concession is 100% of the revenue: it consumes all of it, ",
				"so the margin after the offer is below any floor, the 30% floor included.",
			]),
		},
		{
			"rule": "margin.executive",
			"message": concat("", [
				"The concession consumes all of the revenue: ",
				"the margin after the offer is below 50%, so it escalates to an executive.",
			]),
		},
		{"rule": "cost.executive", "message": "The offer costs 84000, over 50000, so it escalates to an executive."},
	} with input as _credit(84000, 72, 84000, 100, -1000000)
}

test_explanations_none_for_the_baseline if {
	margin.explanations == set() with input as fixtures.case_input({}, {})
}
