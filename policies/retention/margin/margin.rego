# METADATA
# title: Margin and value guard
# description: >-
#   Protects margin before any concession that costs money. The service
#   computes the margin left after the offer and the offer's cost by the
#   formulas in the domain brief; this package compares them with
#   finance's thresholds.
package retention.margin

_config := data.retention.config

_costed if input.case.proposed_offer.type in _config.evidence.costed_offer_types

_margin := input.derived.margin_after_offer_pct if {
	_costed
	is_number(input.derived.margin_after_offer_pct)
}

_cost := input.derived.offer_cost if is_number(input.derived.offer_cost)

# METADATA
# title: Margin needs an executive
# description: The margin left after the offer is below the executive threshold (margin.executive_below_pct).
needs_executive if _margin < _config.margin.executive_below_pct

# METADATA
# title: Offer cost needs an executive
# description: The offer costs more than the executive threshold (cost.executive_over).
cost_needs_executive if _cost > _config.cost.executive_over

# METADATA
# title: Margin violations
# description: A costed offer that leaves margin below the floor (margin.floor_pct) is declined.
violations contains "margin_floor" if _margin < _config.margin.floor_pct

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
	"margin_floor" in violations
}

explanations contains {
	"rule": "margin.executive",
	"message": sprintf(
		"The margin after the offer would be %v%%, below %v%%, so it escalates to an executive.",
		[_margin, _config.margin.executive_below_pct],
	),
} if {
	needs_executive
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
