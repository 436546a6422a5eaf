# METADATA
# title: Margin guard tests
# description: >-
#   The margin floor and the executive thresholds on margin after the offer and
#   offer cost, at, just under and just over each.
package retention.margin_test

import data.retention.fixtures
import data.retention.margin

_margin(pct) := fixtures.case_input({}, {"margin_after_offer_pct": pct})

_cost(amount) := fixtures.case_input({}, {"offer_cost": amount})

test_violations_margin_floor_below_30_only if {
	margin.violations == set() with input as _margin(30)
	margin.violations == {"margin_floor"} with input as _margin(29.99)
	margin.violations == set() with input as _margin(30.01)
}

test_needs_executive_margin_below_50_only if {
	not margin.needs_executive with input as _margin(50)
	margin.needs_executive with input as _margin(49.99)
}

test_cost_needs_executive_over_50000_only if {
	not margin.cost_needs_executive with input as _cost(50000)
	margin.cost_needs_executive with input as _cost(50000.01)
}

test_needs_executive_unknown_margin_decides_nothing if {
	# A missing margin is a pause reason (eligibility), never a silent pass or floor breach here.
	not margin.needs_executive with input as _margin(null)
	margin.violations == set() with input as _margin(null)
}

test_explanations_margin_floor_names_the_rule if {
	rules := {e.rule | some e in margin.explanations} with input as _margin(25)
	"margin.floor" in rules
}
