# METADATA
# title: Margin and value guard
# description: >-
#   Protects margin before any concession that costs money. The service
#   computes the margin left after the offer and the offer's cost by the
#   formulas in the domain brief; this package compares them with
#   finance's thresholds. A concession that takes all of the revenue or more
#   leaves a margin below any floor, whatever figure stands for it; a figure
#   these guards need that the service could not derive pauses the case
#   (eligibility) instead of passing the guard.
package retention.margin

_config := data.retention.config

_costed if input.case.proposed_offer.type in _config.evidence.costed_offer_types

_margin := input.derived.margin_after_offer_pct if {
	_costed
	is_number(input.derived.margin_after_offer_pct)
}

_cost := input.derived.offer_cost if is_number(input.derived.offer_cost)

# The whole of the revenue, as a percentage of it: not a threshold but what
# "all of it" means. A concession this large leaves no revenue for the margin
# formula to divide by.
_all_revenue_pct := 100

_concession := input.derived.concession_pct if {
	_costed
	is_number(input.derived.concession_pct)
}

# METADATA
# title: Concession consumes the revenue
# description: >-
#   The costed offer concedes all of the revenue or more (a credit at or above
#   the ARR, a full discount): the margin after it is below any floor, not unknown.
consumes_revenue if _concession >= _all_revenue_pct

# METADATA
# title: Figures the margin guards need
# description: >-
#   A costed offer is checked on its concession, the margin left after it and
#   its cost; a case missing any of them pauses (eligibility) rather than pass a guard.
figures_needed contains figure if {
	_costed
	some figure in ["concession_pct", "margin_after_offer_pct", "offer_cost"]
}

# METADATA
# scope: document
# title: Margin needs an executive
# description: >-
#   The margin left after the offer is below the executive threshold
#   (margin.executive_below_pct), or the concession consumes the revenue.
needs_executive if below_executive(_margin)

needs_executive if consumes_revenue

# METADATA
# title: Offer cost needs an executive
# description: The offer costs more than the executive threshold (cost.executive_over).
cost_needs_executive if cost_over_executive(_cost)

# METADATA
# title: Margin below the floor
# description: A margin after the offer, in percent, below margin.floor_pct, which is declined.
below_floor(margin_pct) if margin_pct < _config.margin.floor_pct

# METADATA
# title: Margin below the executive threshold
# description: A margin after the offer, in percent, below margin.executive_below_pct.
below_executive(margin_pct) if margin_pct < _config.margin.executive_below_pct

# METADATA
# title: Cost over the executive threshold
# description: An offer cost over cost.executive_over.
cost_over_executive(cost) if cost > _config.cost.executive_over

# METADATA
# scope: document
# title: Margin violations
# description: >-
#   A costed offer that leaves margin below the floor (margin.floor_pct), or
#   that consumes the revenue, is declined.
violations contains "margin_floor" if below_floor(_margin)

violations contains "margin_floor" if consumes_revenue

# METADATA
# scope: document
# title: Margin explanations
# description: One sentence per margin or cost rule that fired, with the figures compared.
explanations contains {
	"rule": "margin.floor",
	"message": sprintf(
		"The margin after the offer would be %v%%, below the %v%% floor.",
		[_margin, _config.margin.floor_pct],
	),
} if {
	not consumes_revenue
	"margin_floor" in violations
}

explanations contains {
	"rule": "margin.floor",
	"message": sprintf(
		"The concession is %v%% of the revenue: it consumes all of it, so the margin after the offer is %s.",
		[_concession, sprintf("below any floor, the %v%% floor included", [_config.margin.floor_pct])],
	),
} if {
	consumes_revenue
}

explanations contains {
	"rule": "margin.executive",
	"message": sprintf(
		"The margin after the offer would be %v%%, below %v%%, so it escalates to an executive.",
		[_margin, _config.margin.executive_below_pct],
	),
} if {
	not consumes_revenue
	needs_executive
}

explanations contains {
	"rule": "margin.executive",
	"message": sprintf(
		"The concession consumes all of the revenue: the margin after the offer is below %v%%, so it %s.",
		[_config.margin.executive_below_pct, "escalates to an executive"],
	),
} if {
	consumes_revenue
}

explanations contains {
	"rule": "cost.executive",
	"message": sprintf(
		"The offer costs %v, over %v, so it escalates to an executive.",
		[_cost, _config.cost.executive_over],
	),
} if {
	cost_needs_executive
}
