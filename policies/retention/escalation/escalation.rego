# METADATA
# title: Escalation
# description: >-
#   Decides how far up the case goes: executive for large accounts, discounts
#   in an executive tier, thin margins, large credits, costly offers and
#   relationship breakdowns in the executive segments, and accounts with a
#   regretted earlier save; director (CS leadership) for other relationship
#   cases and urgent renewals.
package retention.escalation

import data.retention.classification
import data.retention.history
import data.retention.margin
import data.retention.offers

_config := data.retention.config.escalation

_account := input.case.account

_days_to_renewal := input.derived.days_to_renewal if is_number(input.derived.days_to_renewal)

# METADATA
# scope: document
# title: Urgent
# description: >-
#   The renewal is within the urgent window
#   (escalation.urgent_renewal_within_days) and the churn score is at or over
#   the urgent score (escalation.urgent_churn_score_at_or_over). A renewal
#   date already past counts as within.
default urgent := false

urgent if {
	_days_to_renewal <= _config.urgent_renewal_within_days
	input.case.risk.churn_score >= _config.urgent_churn_score_at_or_over
}

# METADATA
# scope: document
# title: Executive reasons of the account
# description: >-
#   Reasons the case needs an executive whatever the offer: a large ARR, a
#   regretted earlier save, or a relationship breakdown in an executive segment.
case_executive_reasons contains "arr" if {
	is_number(_account.arr)
	_account.arr >= _config.executive_arr_at_or_over
}

case_executive_reasons contains "regretted_save" if history.needs_executive

case_executive_reasons contains "enterprise_relationship" if {
	classification.reason_class in _config.director_reason_classes
	_account.segment in _config.executive_relationship_segments
}

# METADATA
# title: Tier needs an executive
# description: A discount tier that escalates to an executive (escalation.executive_tiers).
tier_needs_executive(tier) if tier in _config.executive_tiers

# METADATA
# scope: document
# title: Executive escalation reasons
# description: Each reason the case needs an executive.
executive_reasons contains reason if some reason in case_executive_reasons

executive_reasons contains "strategic_discount" if tier_needs_executive(offers.discount_tier)

executive_reasons contains "margin" if margin.needs_executive

executive_reasons contains "credit" if offers.credit_needs_executive

executive_reasons contains "offer_cost" if margin.cost_needs_executive

# METADATA
# scope: document
# title: Director escalation reasons
# description: Each reason the case needs CS leadership.
director_reasons contains "relationship" if classification.reason_class in _config.director_reason_classes

director_reasons contains "urgent" if urgent

# METADATA
# scope: document
# title: Escalation level
# description: executive when any executive reason applies, else director when any director reason applies, else none.
default level := "none"

level := level_of(executive_reasons)

# METADATA
# title: Escalation level for executive reasons
# description: >-
#   executive when any executive reason is given, else director when any
#   director reason applies, else none; the same for the proposed offer and
#   for every drafted alternative.
level_of(reasons) := "executive" if {
	count(reasons) > 0
} else := "director" if {
	count(director_reasons) > 0
} else := "none"

_messages := {
	"arr": sprintf("ARR of %v is at or over %v.", [_account.arr, _config.executive_arr_at_or_over]),
	"strategic_discount": sprintf("The discount is in the %s tier.", [offers.discount_tier]),
	"margin": "The margin after the offer is below the executive threshold.",
	"credit": "The credit share of ARR is over the executive threshold.",
	"offer_cost": "The offer cost is over the executive threshold.",
	"regretted_save": "An earlier save of this account was regretted.",
	"enterprise_relationship": sprintf(
		"A %s breakdown at an account in the %s segment.",
		[classification.reason_class, _account.segment],
	),
	"relationship": sprintf("The reason is the %s.", [classification.reason_class]),
	"urgent": sprintf(
		"Renewal is within %v days and the churn score is at or over %v.",
		[_config.urgent_renewal_within_days, _config.urgent_churn_score_at_or_over],
	),
}

# METADATA
# scope: document
# title: Escalation explanations
# description: One sentence per escalation reason, and which level it sets.
explanations contains {
	"rule": sprintf("escalation.executive.%s", [reason]),
	"message": sprintf("%s The case escalates to an executive.", [object.get(_messages, reason, "")]),
} if {
	some reason in executive_reasons
}

explanations contains {
	"rule": sprintf("escalation.director.%s", [reason]),
	"message": sprintf("%s The case escalates to CS leadership.", [object.get(_messages, reason, "")]),
} if {
	level == "director"
	some reason in director_reasons
}

explanations contains {
	"rule": "escalation.urgent",
	"message": object.get(_messages, "urgent", ""),
} if {
	urgent
}
