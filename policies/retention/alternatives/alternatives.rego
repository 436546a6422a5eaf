# METADATA
# title: Save option drafts
# description: >-
#   For a person preparing the customer conversation: every offer type the
#   policy would allow for this case, each at the most generous parameters
#   that still route, with its cost, margin and the approval chain it would
#   need, and the smaller offers a shorter chain would decide; every offer
#   type it would not allow, with the rule that stops it. Options that cost
#   nothing come first, then by cost, so the draft never leads with the
#   largest concession. A paused case has no drafts until its pause is
#   resolved. Drafts are never acted on: an option someone picks is
#   proposed again and decided in full.
package retention.alternatives

import data.retention.eligibility
import data.retention.history
import data.retention.offers

_paused if count(eligibility.pause_reasons) > 0

_concession_or_discount(offer_type) if history.concession_type(offer_type)

_concession_or_discount("discount")

# METADATA
# title: Rules that stop an offer type
# description: >-
#   Why an offer type would not route for this case: not approved for the
#   reason, a poor fit, the account's concession history (the limit, a
#   discount still running, or history the policy cannot read), an account it
#   cannot be priced on, or no whole amount within the caps and the margin floor.
blocking_rules[offer_type] := {rule | some [blocked, rule] in _blocked; blocked == offer_type} if {
	some offer_type in _offer_types
}

_blocked contains [offer_type, "offer.not_approved_for_reason"] if {
	some offer_type in _offer_types
	not offer_type in offers.allowed_types
}

_blocked contains [offer_type, "offer.unprofitable_fit"] if {
	some offer_type in _offer_types
	offers.poor_fit_blocks(offer_type)
}

_blocked contains [offer_type, "history.repeat_concession_limit"] if {
	some offer_type in _offer_types
	history.concession_type(offer_type)
	history.concession_limit_reached
}

_blocked contains ["discount", "history.discount_already_active"] if history.discount_running

_blocked contains [offer_type, "history.missing"] if {
	some offer_type in _offer_types
	_concession_or_discount(offer_type)
	not history.readable
}

_blocked contains [offer_type, "pause.missing_evidence"] if {
	some offer_type in _offer_types
	offer_type in _config.evidence.costed_offer_types
	not priceable
}

# No whole percent or amount leaves the margin at or over the floor.
_blocked contains ["discount", "margin.floor"] if {
	priceable
	floor(_concession_for_margin(_config.margin.floor_pct)) < 1
}

_blocked contains ["service_credit", "margin.floor"] if {
	priceable
	floor((_account.arr * _concession_for_margin(_config.margin.floor_pct)) / 100) < 1
}

_blocked contains ["discount", "offer.discount_above_segment_cap"] if floor(offers.segment_cap) < 1

_blocked contains ["service_credit", "offer.credit_above_max"] if {
	priceable
	floor((_account.arr * _credit.max_pct) / 100) < 1
}

_blocked contains [offer_type, "offer.pause_too_long"] if {
	_pause_months < 1
	some offer_type in _config.offers.pause_types
}

_messages := {
	"offer.not_approved_for_reason": "not an approved save option for the reason",
	"offer.unprofitable_fit": "the account is a poor fit; it is not kept with a discount or a credit",
	"history.repeat_concession_limit": "the account is at the limit of concessions in the history window",
	"history.discount_already_active": "a discount given earlier is still running",
	"history.missing": "the account's concession history is missing or unreadable",
	"pause.missing_evidence": "the account's gross margin or ARR is missing, so it cannot be priced",
	"margin.floor": "any amount of it would leave the margin below the floor",
	"offer.discount_above_segment_cap": "the segment cap leaves no discount",
	"offer.credit_above_max": "the credit cap leaves no credit",
	"offer.pause_too_long": "the longest pause allowed is under a month",
}

_allowed(offer_type) if count(blocking_rules[offer_type]) == 0

_offer_types := _config.vocabulary.offer_types

_option[offer_type] := object.union(_summarized(limit), {
	"shorter_chains": [_summarized(step) | some step in shorter_chains(offer_type, limit)],
}) if {
	some offer_type in _offer_types
	_allowed(offer_type)
	limit := draft(limit_offer(offer_type))
}

_summarized(option) := object.union(option, {
	"summary": sprintf("%s: %s.", [_offer_text(option.offer), chain_text(option.approval_chain)]),
})

default _concedes(_) := false

_concedes(offer_type) if history.concession_type(offer_type)

# Free options first, those that concede nothing before concessions, then by cost.
_order(offer_type, option) := [option.offer_cost, _concedes(offer_type), index] if {
	some index, listed in _offer_types
	listed == offer_type
}

_offer_text(offer) := sprintf("up to a %v%% discount for %v months", [offer.discount_pct, offer.duration_months]) if {
	offer.type == "discount"
} else := sprintf("up to a service credit of %v", [offer.credit_amount]) if {
	offer.type == "service_credit"
} else := sprintf("up to a %s of %v months", [offer.type, offer.duration_months]) if {
	offer.type in _config.offers.pause_types
} else := sprintf("%s", [offer.type])

_options := [option |
	some [_, option] in sort([[_order(offer_type, option), option] |
		some offer_type, option in _option
	])
]

_not_allowed := [{
	"offer_type": offer_type,
	"rules": sort(rules),
	"message": sprintf("No %s: %s.", [offer_type, concat("; ", [_messages[rule] | some rule in sort(rules)])]),
} |
	some offer_type in _offer_types
	rules := blocking_rules[offer_type]
	count(rules) > 0
]

_proposed := input.case.proposed_offer

_pause_type(offer_type) if offer_type in _config.offers.pause_types

_nearest_pause_months := min([_proposed.duration_months, _pause_months])

# The proposal cut back to what routes, in whole units; a proposal smaller
# than any whole unit is shown the limit instead.
_nearest_offer("discount") := draft_offer("discount", pct, months, 0) if {
	pct := _off_threshold_pct(min([floor(_proposed.discount_pct), discount_limit_pct]))
	pct > 0
	months := min([_proposed.duration_months, floor(_discount.max_duration_months)])
} else := limit_offer("discount")

_nearest_offer("service_credit") := draft_offer("service_credit", 0, 0, amount) if {
	amount := _off_threshold_amount(min([floor(_proposed.credit_amount), credit_limit_amount]))
	amount > 0
} else := limit_offer("service_credit")

_nearest_offer(offer_type) := draft_offer(offer_type, 0, _nearest_pause_months, 0) if {
	_pause_type(offer_type)
	_nearest_pause_months > 0
} else := limit_offer(offer_type) if {
	_pause_type(offer_type)
}

_nearest_offer(offer_type) := limit_offer(offer_type) if {
	not offer_type in {"discount", "service_credit"}
	not _pause_type(offer_type)
}

default _nearest := null

_nearest := _summarized(draft(_nearest_offer(_proposed.type))) if _allowed(_proposed.type)

# METADATA
# title: Save option drafts
# description: >-
#   drafted, with the allowed options in order, the offer types not allowed,
#   and the allowed draft of the proposed offer's type nearest the proposal
#   (no larger in any parameter); or paused, with none, until the case's
#   pause is resolved.
drafts := {
	"status": "paused",
	"message": "The case is paused; save options are drafted once its pause is resolved.",
	"options": [],
	"not_allowed": [],
	"nearest": null,
} if {
	_paused
} else := {
	"status": "drafted",
	"message": "Drafts for a person: nothing here is proposed, sent or authorized until someone proposes it.",
	"options": _options,
	"not_allowed": _not_allowed,
	"nearest": _nearest,
}
