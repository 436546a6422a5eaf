# METADATA
# title: Concession history
# description: >-
#   Judges the proposed offer against the account's earlier concessions and
#   saves, as the service reads them from its own records: a repeat
#   concession within the history window brings finance into the approval
#   chain, and from the data's limit on it is declined; a new discount while
#   an earlier discount still runs is declined; an account with a regretted
#   earlier save escalates to an executive. A concession is never judged
#   without its history: when the history is missing or unreadable the case
#   pauses (eligibility) instead of passing these checks.
package retention.history

_config := data.retention.config.history

_offer := input.case.proposed_offer

_history := input.history

# A whole number of zero or more: a count.
_count(value) if {
	is_number(value)
	value >= 0
	floor(value) == value
}

# A number of zero or more: an amount of money.
_amount(value) if {
	is_number(value)
	value >= 0
}

# A point in time (RFC 3339) or null.
_date_time_or_null(null)

_date_time_or_null(value) if {
	is_string(value)
	time.parse_rfc3339_ns(value) != null
}

# A calendar date (YYYY-MM-DD) or null.
_date_or_null(null)

_date_or_null(value) if {
	is_string(value)
	regex.match(`^\d{4}-\d{2}-\d{2}$`, value)
	time.parse_ns("2006-01-02", value) != null
}

# Every figure the service sends, in the shape the input schema gives it.
_readable if {
	_count(_history.concessions.count)
	_amount(_history.concessions.total_cost)
	_date_time_or_null(_history.concessions.last_authorized_at)
	is_boolean(_history.discount.running)
	_date_or_null(_history.discount.ends_on)
	_count(_history.regretted_saves)
}

_limit := _config.limit_at_prior_concessions

_prior_concessions := _history.concessions.count if _count(_history.concessions.count)

_regretted_saves := _history.regretted_saves if _count(_history.regretted_saves)

_new_discount if _offer.type == "discount"

_discount_running if _history.discount.running == true

# METADATA
# title: Concession type
# description: An offer type that is a concession (offers.concession_types).
concession_type(offer_type) if offer_type in data.retention.config.offers.concession_types

# METADATA
# title: Concession
# description: The proposed offer is a concession (one of offers.concession_types).
concession if concession_type(_offer.type)

# METADATA
# title: History readable
# description: The input carries the account's history, every figure in the shape the input schema gives it.
readable if _readable

# METADATA
# title: Repeat concessions
# description: >-
#   The account already had at least history.finance_at_prior_concessions
#   concessions authorized within the history window.
repeat_concessions if _prior_concessions >= _config.finance_at_prior_concessions

# METADATA
# title: Concession limit reached
# description: >-
#   The account already had at least history.limit_at_prior_concessions
#   concessions authorized within the history window.
concession_limit_reached if _prior_concessions >= _limit

# METADATA
# title: Discount running
# description: A discount given earlier is still running.
discount_running if _discount_running

# METADATA
# scope: document
# title: History needed
# description: >-
#   The proposed offer is one the history rules judge: a concession, or a
#   discount (judged against a discount still running).
needs_history if concession

needs_history if _new_discount

# METADATA
# title: History missing
# description: >-
#   The proposed offer needs the account's history, and the input carries
#   none the policy can read (absent, or a figure missing or of the wrong
#   kind). The case pauses on it (eligibility) rather than pass the history
#   checks; offers that need no history are not affected.
missing if {
	needs_history
	not _readable
}

# METADATA
# title: Repeat concession needs finance
# description: >-
#   The offer is a concession, and the account already had at least
#   history.finance_at_prior_concessions concessions authorized within the
#   history window: finance reviews it in the second stage of the chain.
concession_needs_finance if {
	concession
	repeat_concessions
}

# METADATA
# title: Regretted save needs an executive
# description: >-
#   An earlier save of the account was regretted (a customer that should
#   not have been saved): the case escalates to an executive, whatever the
#   offer.
needs_executive if _regretted_saves > 0

# METADATA
# scope: document
# title: History violations
# description: >-
#   A concession for an account that already had at least
#   history.limit_at_prior_concessions concessions authorized within the
#   history window is declined (repeat_concession_limit); so is a new
#   discount while a discount given earlier is still running
#   (discount_already_active).
violations contains "repeat_concession_limit" if {
	concession
	concession_limit_reached
}

violations contains "discount_already_active" if {
	_new_discount
	_discount_running
}

default _running_until := "with no end date recorded"

_running_until := sprintf("until %s", [_history.discount.ends_on]) if is_string(_history.discount.ends_on)

# METADATA
# scope: document
# title: History explanations
# description: >-
#   One sentence per history rule that fired, with the account's figures
#   and the data's thresholds compared.
explanations contains {
	"rule": "history.missing",
	"message": concat(" ", [
		"The account's concession history is missing or unreadable, so this offer",
		"cannot be checked against earlier concessions; the case pauses until the service provides it.",
	]),
} if {
	missing
}

explanations contains {
	"rule": "history.finance",
	"message": sprintf(
		"This is a repeat concession (%v authorized for the account in the last %v days, %s), so finance reviews it.",
		[_prior_concessions, _config.window_days, sprintf("at or over %v", [_config.finance_at_prior_concessions])],
	),
} if {
	concession_needs_finance
}

explanations contains {
	"rule": "history.repeat_concession_limit",
	"message": sprintf(
		"The account already had %v concessions authorized in the last %v days, %s, so a further one is declined.",
		[_prior_concessions, _config.window_days, sprintf("at or over the limit of %v", [_limit])],
	),
} if {
	"repeat_concession_limit" in violations
}

explanations contains {
	"rule": "history.discount_already_active",
	"message": sprintf("A discount given earlier is still running %s, so a new discount is declined.", [_running_until]),
} if {
	"discount_already_active" in violations
}

explanations contains {
	"rule": "history.executive",
	"message": sprintf(
		"An earlier save of this account was regretted (%v in all), so the case escalates to an executive.",
		[_regretted_saves],
	),
} if {
	needs_executive
}
