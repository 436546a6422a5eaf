# Save option limits
#
# The most generous parameters of each offer type that still route, found
# from the data the rules use (discount tiers and segment caps, the margin
# floor, the credit caps, the longest pause), and the parameters at which
# the approval chain gets shorter (tier ceilings, the credit's finance and
# executive shares, the margin's executive threshold, the offer cost's
# executive threshold, the duration legal reviews). Discounts are drafted
# in whole percents and months, credits in whole currency units.
package retention.alternatives

import data.retention.approval
import data.retention.offers

_discount := _config.discount

_credit := _config.credit

# The account can be priced: a costed draft needs the gross margin and an
# ARR above zero, as the proposed offer does (evidence.costed_*_fields).
priceable if {
	is_number(_account.gross_margin_pct)
	is_number(_account.arr)
	_account.arr > 0
}

# The largest concession, in percent, that leaves at least threshold_pct of margin.
_concession_for_margin(threshold_pct) := 100 - ((100 * (100 - _account.gross_margin_pct)) / (100 - threshold_pct))

# A whole percent, or whole currency amount, never sits exactly on a margin threshold.
_off_threshold_pct(pct) := pct - 1 if {
	on_margin_threshold(pct)
} else := pct

_off_threshold_amount(amount) := amount - 1 if {
	on_margin_threshold((100 * amount) / _account.arr)
} else := amount

_top_tier_pct := max([tier.max_pct | some tier in _discount.tiers])

# METADATA
# title: Largest discount that routes
# description: >-
#   The largest whole percent within the highest tier, the segment cap and
#   the margin floor (margin after the discount at or over margin.floor_pct).
discount_limit_pct := _off_threshold_pct(min([
	floor(_top_tier_pct),
	floor(offers.segment_cap),
	floor(_concession_for_margin(_config.margin.floor_pct)),
	_all_revenue_pct - 1,
]))

_discount_pcts contains pct if {
	some raw in array.concat(
		[floor(tier.max_pct) | some tier in _discount.tiers],
		[floor(_concession_for_margin(_config.margin.executive_below_pct)), discount_limit_pct],
	)
	pct := _off_threshold_pct(raw)
	pct > 0
	pct <= discount_limit_pct
}

# The largest percent whose cost over the months stays within cost.executive_over.
_cost_limit_pct(months) := _off_threshold_pct(floor((_config.cost.executive_over * 1200) / (_account.arr * months)))

_discount_months contains months if {
	some months in [floor(_discount.legal_review_over_months), floor(_discount.max_duration_months)]
	months > 0
	months <= _discount.max_duration_months
}

# METADATA
# title: Largest service credit that routes
# description: >-
#   The largest whole amount within the credit cap (credit.max_pct of ARR),
#   the margin floor, and below the whole ARR.
credit_limit_amount := _off_threshold_amount(min([
	floor((_account.arr * _credit.max_pct) / 100),
	floor((_account.arr * _concession_for_margin(_config.margin.floor_pct)) / 100),
	ceil(_account.arr) - 1,
]))

_credit_amounts contains amount if {
	some raw in [
		floor((_account.arr * _credit.finance_over_pct) / 100),
		floor((_account.arr * _credit.executive_over_pct) / 100),
		floor((_account.arr * _concession_for_margin(_config.margin.executive_below_pct)) / 100),
		floor(_config.cost.executive_over),
		credit_limit_amount,
	]
	amount := _off_threshold_amount(raw)
	amount > 0
	amount <= credit_limit_amount
}

_pause_months := floor(_config.offers.max_pause_months)

# METADATA
# scope: document
# title: Most generous draft of an offer type
# description: >-
#   The largest discount for the longest duration, the largest credit, the
#   longest pause or extension; other types have no parameters.
limit_offer("discount") := draft_offer("discount", discount_limit_pct, floor(_discount.max_duration_months), 0)

limit_offer("service_credit") := draft_offer("service_credit", 0, 0, credit_limit_amount)

limit_offer(offer_type) := draft_offer(offer_type, 0, _pause_months, 0) if {
	offer_type in _config.offers.pause_types
}

limit_offer(offer_type) := draft_offer(offer_type, 0, 0, 0) if {
	not offer_type in {"discount", "service_credit"}
	not offer_type in _config.offers.pause_types
}

# Every draft at which the chain may change, below or at the limit.
default _candidates(_) := set()

_candidates("discount") := _discount_grid | _discount_at_cost_limits

_candidates("service_credit") := {draft_offer("service_credit", 0, 0, amount) | some amount in _credit_amounts}

_discount_grid contains draft_offer("discount", pct, months, 0) if {
	some pct in _discount_pcts
	some months in _discount_months
}

# Each duration with the largest percent whose cost stays within the executive threshold.
_discount_at_cost_limits contains draft_offer("discount", pct, months, 0) if {
	some months in _discount_months
	pct := _cost_limit_pct(months)
	pct > 0
	pct <= discount_limit_pct
}

# Each candidate with what its chain depends on (reviewers and escalation
# level) and how generous it is: its cost first, then its size.
_keyed[offer_type] := {[[route.reviewers, route.level], generosity, [offer, route]] |
	some offer in _candidates(offer_type)
	route := route_of(offer)
	generosity := [route.figures.cost, offer.discount_pct, offer.credit_amount, offer.duration_months]
} if {
	some offer_type in ["discount", "service_credit"]
}

# METADATA
# title: Shorter chains
# description: >-
#   For each approval chain shorter than the one at the limit, the most
#   generous draft that still gets it, fewest approvers first.
shorter_chains(offer_type, limit) := [routed_draft(best[0], best[1]) |
	some [_, _, best] in sort([[count(roles), generosity, best] |
		some key in {key | some [key, _, _] in _keyed[offer_type]}
		roles := roles_of(approval.chain_of(key[0], key[1]))
		count(roles) < limit_roles
		[generosity, best] := max([[generosity, offer] |
			some [other, generosity, offer] in _keyed[offer_type]
			other == key
		])
	])
] if {
	limit_roles := count(roles_of(limit.approval_chain))
}
