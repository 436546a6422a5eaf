# METADATA
# title: Offer guideline tests
# description: >-
#   Discount tiers, segment caps, duration and pause limits, credit shares and
#   the offer catalogue, each at, just under and just over its threshold.
package retention.offers_test

import data.retention.fixtures
import data.retention.offers

# A mid-market (cap 25%) price objection on 84,000 ARR at 72% gross margin,
# with the derived facts the service computes for the discount.
_discount(pct, months) := fixtures.case_input(
	{
		"customer_reason": {"category": "price"},
		"proposed_offer": {"type": "discount", "discount_pct": pct, "duration_months": months, "credit_amount": 0},
	},
	{
		"credit_share_pct": 0,
		"concession_pct": pct,
		"margin_after_offer_pct": 100 * (1 - (0.28 / (1 - (pct / 100)))),
		"offer_cost": ((84000 * pct) * months) / 1200,
	},
)

_segment_discount(segment, pct) := {
	"case": object.union(_discount(pct, 12).case, {"account": {"segment": segment}}),
	"derived": _discount(pct, 12).derived,
}

_credit(amount) := fixtures.case_input(
	{"proposed_offer": {"credit_amount": amount}},
	{"credit_share_pct": (100 * amount) / 84000, "concession_pct": (100 * amount) / 84000, "offer_cost": amount},
)

_timing(type, months) := fixtures.case_input(
	{
		"customer_reason": {"category": "timing"},
		"proposed_offer": {"type": type, "duration_months": months, "credit_amount": 0},
	},
	{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
)

test_discount_tier_non_discount_offer_is_none if {
	offers.discount_tier == "none" with input as fixtures.case_input({}, {})
}

test_discount_tier_zero_percent_discount_is_none if {
	offers.discount_tier == "none" with input as _discount(0, 12)
}

test_discount_tier_standard_at_and_under_10 if {
	offers.discount_tier == "standard" with input as _discount(0.5, 12)
	offers.discount_tier == "standard" with input as _discount(9.9, 12)
	offers.discount_tier == "standard" with input as _discount(10, 12)
}

test_discount_tier_elevated_just_over_10_up_to_20 if {
	offers.discount_tier == "elevated" with input as _discount(10.1, 12)
	offers.discount_tier == "elevated" with input as _discount(20, 12)
}

test_discount_tier_strategic_just_over_20_up_to_30 if {
	offers.discount_tier == "strategic" with input as _discount(20.1, 12)
	offers.discount_tier == "strategic" with input as _discount(30, 12)
}

test_discount_tier_just_over_30_is_not_allowed if {
	offers.discount_tier == "not_allowed" with input as _discount(30.1, 12)
	"discount_above_tier_max" in offers.violations with input as _discount(30.1, 12)
	not "discount_above_tier_max" in offers.violations with input as _discount(30, 12)
}

test_violations_segment_cap_mid_market_at_25_not_over if {
	not "discount_above_segment_cap" in offers.violations with input as _discount(25, 12)
	"discount_above_segment_cap" in offers.violations with input as _discount(25.1, 12)
}

test_violations_segment_cap_smb_at_15_not_over if {
	not "discount_above_segment_cap" in offers.violations with input as _segment_discount("smb", 15)
	"discount_above_segment_cap" in offers.violations with input as _segment_discount("smb", 15.5)
}

test_violations_segment_cap_enterprise_at_30_not_over if {
	not "discount_above_segment_cap" in offers.violations with input as _segment_discount("enterprise", 30)
	violations := offers.violations with input as _segment_discount("enterprise", 31)
	violations == {"discount_above_segment_cap", "discount_above_tier_max"}
}

test_violations_duration_at_24_months_not_over if {
	not "duration_above_max" in offers.violations with input as _discount(5, 24)
	"duration_above_max" in offers.violations with input as _discount(5, 25)
}

test_violations_pause_at_3_months_not_over if {
	offers.violations == set() with input as _timing("pause", 3)
	offers.violations == {"pause_too_long"} with input as _timing("pause", 4)
	offers.violations == {"pause_too_long"} with input as _timing("extension", 4)
}

test_credit_needs_finance_over_5_pct_of_arr if {
	# 4,200 is exactly 5% of 84,000.
	not offers.credit_needs_finance with input as _credit(4200)
	offers.credit_needs_finance with input as _credit(4201)
}

test_credit_needs_executive_over_15_pct_of_arr if {
	not offers.credit_needs_executive with input as _credit(12600)
	offers.credit_needs_executive with input as _credit(12601)
}

test_violations_credit_above_25_pct_of_arr if {
	not "credit_above_max" in offers.violations with input as _credit(21000)
	"credit_above_max" in offers.violations with input as _credit(21001)
}

test_violations_offer_not_in_the_catalogue_for_the_reason if {
	# A discount is not an approved answer to a service complaint.
	violations := offers.violations with input as fixtures.case_input(
		{"proposed_offer": {"type": "discount", "discount_pct": 5, "duration_months": 6, "credit_amount": 0}},
		{"credit_share_pct": 0, "concession_pct": 5, "offer_cost": 2100},
	)
	violations == {"offer_not_approved_for_reason"}
	offers.violations == set() with input as fixtures.case_input({}, {})
}

test_violations_poor_fit_customer_gets_no_discount_or_credit if {
	poor := {"account": {"icp_fit": "poor"}}
	offers.violations == {"unprofitable_fit"} with input as fixtures.case_input(poor, {})
	re_onboarding := fixtures.case_input(
		object.union(poor, {"proposed_offer": {"type": "re_onboarding", "credit_amount": 0}}),
		{"credit_share_pct": 0, "concession_pct": 0, "offer_cost": 0},
	)
	offers.violations == set() with input as re_onboarding
}

test_explanations_name_the_tier_and_the_cap if {
	tiers := {e.rule | some e in offers.explanations} with input as _discount(12, 12)
	tiers == {"tier.elevated"}
	capped := offers.explanations with input as _segment_discount("smb", 18)
	{
		"rule": "offer.discount_above_segment_cap",
		"message": "A 18% discount is above the 15% cap for the smb segment.",
	} in capped
}
