# METADATA
# title: Offer guidelines and discount tiers
# description: >-
#   Decides whether the proposed save offer is one of the approved options for
#   the customer's reason, which discount tier it falls in, and whether it
#   breaks a cap: tier maximum, segment cap, duration, pause length, credit
#   share of ARR, or a concession to a poor-fit customer.
package retention.offers

import data.retention.classification

_config := data.retention.config

_offer := input.case.proposed_offer

_discounted if {
	_offer.type == "discount"
	_offer.discount_pct > 0
}

_is_credit if _offer.type == "service_credit"

_tier_names contains tier.name if some tier in _config.discount.tiers

# Tiers sorted by their ceiling, so the data may list them in any order.
_tiers_by_ceiling := sort([[tier.max_pct, tier.name] | some tier in _config.discount.tiers])

_fitting_tiers(pct) := [name | some [max_pct, name] in _tiers_by_ceiling; pct <= max_pct]

# METADATA
# title: Tier of a discount percentage
# description: >-
#   The name of the lowest tier (discount.tiers) whose ceiling covers the
#   percentage; above every tier, not_allowed. The discount tier of the
#   proposed offer and of every drafted alternative is read here.
tier_of(pct) := fitting[0] if {
	fitting := _fitting_tiers(pct)
	count(fitting) > 0
} else := "not_allowed"

# METADATA
# scope: document
# title: Discount tier
# description: >-
#   none when the offer is not a discount; otherwise the name of the lowest
#   tier (discount.tiers) whose ceiling covers the percentage; above every
#   tier it is not_allowed.
default discount_tier := "not_allowed"

discount_tier := "none" if {
	not _discounted
} else := tier_of(_offer.discount_pct)

# METADATA
# title: Offer types approved for the reason
# description: >-
#   The save options approved for the case's reason class
#   (offers.allowed_by_reason). An unclear reason has none; it pauses before
#   offers matter.
allowed_types := _config.offers.allowed_by_reason[classification.reason_class]

# METADATA
# title: Segment cap
# description: The largest discount percentage for the account's segment (discount.segment_caps).
segment_cap := _config.discount.segment_caps[input.case.account.segment]

# METADATA
# title: Offer type blocked for a poor fit
# description: >-
#   The account is a poor fit for the product (icp_fit poor) and the offer
#   type is one it is not kept with (offers.poor_fit_blocked_types).
poor_fit_blocks(offer_type) if {
	input.case.account.icp_fit == "poor"
	offer_type in _config.offers.poor_fit_blocked_types
}

# METADATA
# title: Credit share over the finance threshold
# description: A credit share of ARR over credit.finance_over_pct.
credit_over_finance(share) if share > _config.credit.finance_over_pct

# METADATA
# title: Credit share over the executive threshold
# description: A credit share of ARR over credit.executive_over_pct.
credit_over_executive(share) if share > _config.credit.executive_over_pct

# METADATA
# title: Credit share over the maximum
# description: A credit share of ARR over credit.max_pct, which is declined.
credit_over_max(share) if share > _config.credit.max_pct

# METADATA
# title: Figures the credit caps need
# description: >-
#   A credit is capped by its share of ARR (credit.*), costed or not; a case
#   whose share cannot be derived pauses (eligibility) rather than skip the caps.
figures_needed contains "credit_share_pct" if _is_credit

# METADATA
# title: Credit share of ARR above the finance threshold
# description: A service credit worth more than the finance threshold share of ARR (credit.finance_over_pct).
credit_needs_finance if {
	_is_credit
	credit_over_finance(input.derived.credit_share_pct)
}

# METADATA
# title: Credit share of ARR above the executive threshold
# description: A service credit worth more than the executive threshold share of ARR (credit.executive_over_pct).
credit_needs_executive if {
	_is_credit
	credit_over_executive(input.derived.credit_share_pct)
}

# METADATA
# scope: document
# title: Offer violations
# description: Each guideline the proposed offer breaks; any violation declines the offer.
violations contains "offer_not_approved_for_reason" if {
	not _offer.type in allowed_types
}

violations contains "unprofitable_fit" if poor_fit_blocks(_offer.type)

violations contains "discount_above_tier_max" if discount_tier == "not_allowed"

violations contains "discount_above_segment_cap" if {
	_discounted
	_offer.discount_pct > segment_cap
}

violations contains "duration_above_max" if {
	_offer.type == "discount"
	_offer.duration_months > _config.discount.max_duration_months
}

violations contains "pause_too_long" if {
	_offer.type in _config.offers.pause_types
	_offer.duration_months > _config.offers.max_pause_months
}

violations contains "credit_above_max" if {
	_is_credit
	credit_over_max(input.derived.credit_share_pct)
}

# METADATA
# scope: document
# title: Offer explanations
# description: One sentence per offer rule that fired, with the figures compared.
explanations contains {
	"rule": "offer.not_approved_for_reason",
	"message": sprintf(
		"A %q offer is not an approved save option for a %q reason (approved: %s).",
		[_offer.type, classification.reason_class, concat(", ", allowed_types)],
	),
} if {
	"offer_not_approved_for_reason" in violations
}

explanations contains {
	"rule": "offer.unprofitable_fit",
	"message": "The account is a poor fit for the product; it is not kept with a discount or a credit.",
} if {
	"unprofitable_fit" in violations
}

explanations contains {
	"rule": sprintf("tier.%s", [discount_tier]),
	"message": sprintf("A %v%% discount is in the %s tier.", [_offer.discount_pct, discount_tier]),
} if {
	discount_tier in _tier_names
}

explanations contains {
	"rule": "tier.not_allowed",
	"message": sprintf("A %v%% discount is above the highest tier; it is not allowed.", [_offer.discount_pct]),
} if {
	discount_tier == "not_allowed"
}

explanations contains {
	"rule": "offer.discount_above_segment_cap",
	"message": sprintf(
		"A %v%% discount is above the %v%% cap for the %s segment.",
		[_offer.discount_pct, segment_cap, input.case.account.segment],
	),
} if {
	"discount_above_segment_cap" in violations
}

explanations contains {
	"rule": "offer.duration_above_max",
	"message": sprintf(
		"A discount for %v months is longer than the %v months allowed.",
		[_offer.duration_months, _config.discount.max_duration_months],
	),
} if {
	"duration_above_max" in violations
}

explanations contains {
	"rule": "offer.pause_too_long",
	"message": sprintf(
		"A %s of %v months is longer than the %v months allowed.",
		[_offer.type, _offer.duration_months, _config.offers.max_pause_months],
	),
} if {
	"pause_too_long" in violations
}

explanations contains {
	"rule": "offer.credit_above_max",
	"message": sprintf(
		"A credit of %v%% of ARR is above the %v%% maximum.",
		[input.derived.credit_share_pct, _config.credit.max_pct],
	),
} if {
	"credit_above_max" in violations
}

explanations contains {
	"rule": "credit.finance",
	"message": sprintf(
		"A credit of %v%% of ARR is over %v%%, so finance must approve it.",
		[input.derived.credit_share_pct, _config.credit.finance_over_pct],
	),
} if {
	credit_needs_finance
}

explanations contains {
	"rule": "credit.executive",
	"message": sprintf(
		"A credit of %v%% of ARR is over %v%%, so it escalates to an executive.",
		[input.derived.credit_share_pct, _config.credit.executive_over_pct],
	),
} if {
	credit_needs_executive
}
