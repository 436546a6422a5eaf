# METADATA
# title: Offer guideline tests
# description: >-
#   Discount tiers, segment caps, duration and pause limits, credit shares of
#   ARR, poor-fit concessions and the offer catalogue per reason class, each
#   at, just under and just over its threshold, with the explanations they add.
package retention.offers_test

import data.retention.fixtures
import data.retention.offers

# The catalogue as the domain brief states it, written out here rather than
# read from the config, so a data change that breaks the brief fails a test.
_catalogue := {
	"price": {"none", "discount", "plan_change"},
	"value": {"none", "discount", "service_credit", "pause", "plan_change", "re_onboarding"},
	"service": {"none", "service_credit", "re_onboarding"},
	"fit": {"none", "plan_change"},
	"timing": {"none", "pause", "extension", "plan_change"},
	"relationship": {"none", "re_onboarding"},
}

_offer_types := {"none", "discount", "service_credit", "pause", "extension", "plan_change", "re_onboarding"}

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

# The baseline service complaint with a credit of the given amount on 84,000 ARR.
_credit(amount) := fixtures.case_input(
	{"proposed_offer": {"credit_amount": amount}},
	{
		"credit_share_pct": (100 * amount) / 84000,
		"concession_pct": (100 * amount) / 84000,
		"margin_after_offer_pct": 100 * (1 - (0.28 / (1 - (amount / 84000)))),
		"offer_cost": amount,
	},
)

# An offer without cost (pause, extension, plan change, re-onboarding, none).
_uncosted(category, type, months) := fixtures.case_input(
	{
		"customer_reason": {"category": category},
		"proposed_offer": {"type": type, "duration_months": months, "credit_amount": 0},
	},
	{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
)

# Any offer type for a reason class, with consistent derived facts:
# a 5% discount for 6 months, a 3,000 credit, or an offer without cost.
_reasoned(category, "discount") := {
	"case": object.union(_discount(5, 6).case, {"customer_reason": {"category": category}}),
	"derived": _discount(5, 6).derived,
}

_reasoned(category, "service_credit") := fixtures.case_input({"customer_reason": {"category": category}}, {})

_reasoned(category, type) := _uncosted(category, type, 2) if not type in {"discount", "service_credit"}

_poor(input_doc) := {
	"case": object.union(input_doc.case, {"account": {"icp_fit": "poor"}}),
	"derived": input_doc.derived,
}

# Discount tiers

test_discount_tier_non_discount_offer_is_none if {
	offers.discount_tier == "none" with input as fixtures.case_input({}, {})
	offers.discount_tier == "none" with input as _uncosted("timing", "pause", 2)
}

test_discount_tier_zero_percent_discount_is_none if {
	offers.discount_tier == "none" with input as _discount(0, 12)
}

test_discount_tier_percentage_on_a_credit_is_none if {
	# Contradictory evidence pauses elsewhere; the tier only reads discounts.
	offers.discount_tier == "none" with input as fixtures.case_input({"proposed_offer": {"discount_pct": 25}}, {})
}

test_discount_tier_just_over_zero_is_standard if {
	offers.discount_tier == "standard" with input as _discount(0.01, 12)
}

test_discount_tier_just_under_standard_cap_is_standard if {
	offers.discount_tier == "standard" with input as _discount(9.99, 12)
}

test_discount_tier_at_standard_cap_is_standard if {
	offers.discount_tier == "standard" with input as _discount(10, 12)
}

test_discount_tier_just_over_standard_cap_is_elevated if {
	offers.discount_tier == "elevated" with input as _discount(10.01, 12)
}

test_discount_tier_just_under_elevated_cap_is_elevated if {
	offers.discount_tier == "elevated" with input as _discount(19.99, 12)
}

test_discount_tier_at_elevated_cap_is_elevated if {
	offers.discount_tier == "elevated" with input as _discount(20, 12)
}

test_discount_tier_just_over_elevated_cap_is_strategic if {
	offers.discount_tier == "strategic" with input as _discount(20.01, 12)
}

test_discount_tier_just_under_strategic_cap_is_strategic if {
	offers.discount_tier == "strategic" with input as _discount(29.99, 12)
}

test_discount_tier_at_strategic_cap_is_strategic if {
	offers.discount_tier == "strategic" with input as _discount(30, 12)
	not "discount_above_tier_max" in offers.violations with input as _discount(30, 12)
}

test_discount_tier_just_over_strategic_cap_is_not_allowed if {
	offers.discount_tier == "not_allowed" with input as _discount(30.01, 12)
	"discount_above_tier_max" in offers.violations with input as _discount(30.01, 12)
}

test_discount_tier_half_price_is_not_allowed if {
	offers.discount_tier == "not_allowed" with input as _discount(50, 1)
	"discount_above_tier_max" in offers.violations with input as _discount(50, 1)
}

test_discount_tier_tiers_in_any_data_order if {
	shuffled := [
		{"name": "strategic", "max_pct": 30},
		{"name": "standard", "max_pct": 10},
		{"name": "elevated", "max_pct": 20},
	]
	offers.discount_tier == "standard" with input as _discount(8, 12)
		with data.retention.config.discount.tiers as shuffled
	offers.discount_tier == "elevated" with input as _discount(15, 12)
		with data.retention.config.discount.tiers as shuffled
}

test_explanations_tier_names_the_tier_and_percentage if {
	standard := offers.explanations with input as _discount(10, 12)
	standard == {{"rule": "tier.standard", "message": "A 10% discount is in the standard tier."}}
	elevated := offers.explanations with input as _discount(12, 12)
	elevated == {{"rule": "tier.elevated", "message": "A 12% discount is in the elevated tier."}}
	strategic := offers.explanations with input as _segment_discount("enterprise", 22)
	strategic == {{"rule": "tier.strategic", "message": "A 22% discount is in the strategic tier."}}
}

test_explanations_tier_not_allowed_names_the_percentage if {
	explanations := offers.explanations with input as _segment_discount("enterprise", 35)
	{"rule": "tier.not_allowed", "message": "A 35% discount is above the highest tier; it is not allowed."} in explanations
	{e.rule | some e in explanations} == {"tier.not_allowed", "offer.discount_above_segment_cap"}
}

test_explanations_no_tier_for_a_non_discount if {
	offers.explanations == set() with input as fixtures.case_input({}, {})
}

# Segment caps

test_violations_segment_cap_smb_just_under_cap_passes if {
	offers.violations == set() with input as _segment_discount("smb", 14.99)
}

test_violations_segment_cap_smb_at_cap_passes if {
	offers.violations == set() with input as _segment_discount("smb", 15)
}

test_violations_segment_cap_smb_just_over_cap_declines if {
	offers.violations == {"discount_above_segment_cap"} with input as _segment_discount("smb", 15.01)
}

test_violations_segment_cap_mid_market_just_under_cap_passes if {
	offers.violations == set() with input as _segment_discount("mid_market", 24.99)
}

test_violations_segment_cap_mid_market_at_cap_passes if {
	offers.violations == set() with input as _segment_discount("mid_market", 25)
}

test_violations_segment_cap_mid_market_just_over_cap_declines if {
	offers.violations == {"discount_above_segment_cap"} with input as _segment_discount("mid_market", 25.01)
}

test_violations_segment_cap_enterprise_just_under_cap_passes if {
	offers.violations == set() with input as _segment_discount("enterprise", 29.99)
}

test_violations_segment_cap_enterprise_at_cap_passes if {
	offers.violations == set() with input as _segment_discount("enterprise", 30)
}

test_violations_segment_cap_enterprise_just_over_cap_declines_with_tier_max if {
	violations := offers.violations with input as _segment_discount("enterprise", 30.01)
	violations == {"discount_above_segment_cap", "discount_above_tier_max"}
}

test_violations_segment_cap_ignores_a_zero_discount if {
	offers.violations == set() with input as _segment_discount("smb", 0)
}

test_explanations_segment_cap_names_the_cap if {
	explanations := offers.explanations with input as _segment_discount("smb", 18)
	explanations == {
		{"rule": "tier.elevated", "message": "A 18% discount is in the elevated tier."},
		{
			"rule": "offer.discount_above_segment_cap",
			"message": "A 18% discount is above the 15% cap for the smb segment.",
		},
	}
}

# Discount duration

test_violations_duration_just_under_max_passes if {
	offers.violations == set() with input as _discount(5, 23)
}

test_violations_duration_at_max_passes if {
	offers.violations == set() with input as _discount(5, 24)
}

test_violations_duration_just_over_max_declines if {
	offers.violations == {"duration_above_max"} with input as _discount(5, 25)
}

test_violations_duration_applies_to_discounts_only if {
	offers.violations == set() with input as _uncosted("timing", "plan_change", 36)
}

test_explanations_duration_names_the_months if {
	explanations := offers.explanations with input as _discount(5, 25)
	{
		"rule": "offer.duration_above_max",
		"message": "A discount for 25 months is longer than the 24 months allowed.",
	} in explanations
}

test_violations_every_discount_limit_at_once if {
	# 35% off for 30 months on an smb account breaks tier, cap and duration.
	broken := {
		"case": object.union(_discount(35, 30).case, {"account": {"segment": "smb"}}),
		"derived": _discount(35, 30).derived,
	}
	violations := offers.violations with input as broken
	violations == {"discount_above_tier_max", "discount_above_segment_cap", "duration_above_max"}
}

# Pause and extension length

test_violations_pause_just_under_max_passes if {
	offers.violations == set() with input as _uncosted("timing", "pause", 2)
}

test_violations_pause_at_max_passes if {
	offers.violations == set() with input as _uncosted("timing", "pause", 3)
}

test_violations_pause_just_over_max_declines if {
	offers.violations == {"pause_too_long"} with input as _uncosted("timing", "pause", 4)
}

test_violations_extension_at_max_passes if {
	offers.violations == set() with input as _uncosted("timing", "extension", 3)
}

test_violations_extension_just_over_max_declines if {
	offers.violations == {"pause_too_long"} with input as _uncosted("timing", "extension", 4)
}

test_violations_pause_limit_not_for_other_offers if {
	offers.violations == set() with input as _uncosted("timing", "plan_change", 4)
	offers.violations == set() with input as _uncosted("service", "re_onboarding", 6)
}

test_explanations_pause_too_long_names_the_offer_and_months if {
	offers.explanations == {{
		"rule": "offer.pause_too_long",
		"message": "A extension of 6 months is longer than the 3 months allowed.",
	}} with input as _uncosted("timing", "extension", 6)
	offers.explanations == {{
		"rule": "offer.pause_too_long",
		"message": "A pause of 4 months is longer than the 3 months allowed.",
	}} with input as _uncosted("timing", "pause", 4)
}

# Service credits as a share of ARR (84,000: 5% is 4,200, 15% is 12,600, 25% is 21,000)

test_credit_needs_finance_just_under_5_pct_is_false if {
	not offers.credit_needs_finance with input as _credit(4199)
}

test_credit_needs_finance_at_5_pct_is_false if {
	not offers.credit_needs_finance with input as _credit(4200)
}

test_credit_needs_finance_just_over_5_pct_is_true if {
	offers.credit_needs_finance with input as _credit(4201)
	not offers.credit_needs_executive with input as _credit(4201)
}

test_credit_needs_executive_just_under_15_pct_is_false if {
	offers.credit_needs_finance with input as _credit(12599)
	not offers.credit_needs_executive with input as _credit(12599)
}

test_credit_needs_executive_at_15_pct_is_false if {
	not offers.credit_needs_executive with input as _credit(12600)
}

test_credit_needs_executive_just_over_15_pct_is_true if {
	offers.credit_needs_executive with input as _credit(12601)
	offers.credit_needs_finance with input as _credit(12601)
}

test_credit_needs_finance_not_for_a_discount if {
	# A 25% discount is not a credit, whatever its percentage.
	not offers.credit_needs_finance with input as _discount(25, 12)
	not offers.credit_needs_executive with input as _discount(25, 12)
}

test_violations_credit_just_under_25_pct_passes if {
	offers.violations == set() with input as _credit(20999)
}

test_violations_credit_at_25_pct_passes if {
	offers.violations == set() with input as _credit(21000)
}

test_violations_credit_just_over_25_pct_declines if {
	offers.violations == {"credit_above_max"} with input as _credit(21001)
}

test_explanations_credit_names_the_share if {
	# 8,400 is 10% of 84,000; 16,800 is 20%; 25,200 is 30%.
	offers.explanations == {{
		"rule": "credit.finance",
		"message": "A credit of 10% of ARR is over 5%, so finance must approve it.",
	}} with input as _credit(8400)
	rules := {e.rule | some e in offers.explanations} with input as _credit(16800)
	rules == {"credit.finance", "credit.executive"}
	explanations := offers.explanations with input as _credit(25200)
	{
		"rule": "offer.credit_above_max",
		"message": "A credit of 30% of ARR is above the 25% maximum.",
	} in explanations
	{
		"rule": "credit.executive",
		"message": "A credit of 30% of ARR is over 15%, so it escalates to an executive.",
	} in explanations
}

test_violations_credit_at_the_whole_arr_is_above_the_max if {
	# 84,000 on 84,000 is 100% of ARR; the margin floor (margin package) declines it too.
	offers.violations == {"credit_above_max"} with input as fixtures.case_input(
		{"proposed_offer": {"credit_amount": 84000}},
		{"credit_share_pct": 100, "concession_pct": 100, "margin_after_offer_pct": -1000000, "offer_cost": 84000},
	)
}

test_credit_caps_decide_nothing_without_a_share if {
	# Unknown share (a zero ARR): the caps cannot fire here; the case pauses (eligibility) instead.
	inp := fixtures.case_input({"account": {"arr": 0}}, {"credit_share_pct": null})
	offers.violations == set() with input as inp
	not offers.credit_needs_finance with input as inp
	offers.figures_needed == {"credit_share_pct"} with input as inp
}

# Figures the offer caps need

test_figures_needed_a_credit_needs_its_share if {
	offers.figures_needed == {"credit_share_pct"} with input as _credit(3000)
}

test_figures_needed_none_for_other_offers if {
	offers.figures_needed == set() with input as _discount(10, 6)
	every type in _offer_types - {"service_credit", "discount"} {
		offers.figures_needed == set() with input as _uncosted("value", type, 2)
	}
}

# Offer catalogue per reason class

test_violations_catalogue_allows_each_listed_offer if {
	every reason, types in _catalogue {
		every type in types {
			offers.violations == set() with input as _reasoned(reason, type)
		}
	}
}

test_violations_catalogue_declines_each_unlisted_offer if {
	every reason, types in _catalogue {
		every type in _offer_types - types {
			offers.violations == {"offer_not_approved_for_reason"} with input as _reasoned(reason, type)
		}
	}
}

test_violations_catalogue_counts_the_declined_pairs if {
	# 7 offer types x 6 reasons = 42 pairs, 20 approved, so 22 declined.
	declined := {[reason, type] |
		some reason, _ in _catalogue
		some type in _offer_types
		"offer_not_approved_for_reason" in offers.violations with input as _reasoned(reason, type)
	}
	count(declined) == 22
}

test_violations_catalogue_price_declines_a_credit if {
	offers.violations == {"offer_not_approved_for_reason"} with input as _reasoned("price", "service_credit")
}

test_violations_catalogue_service_declines_a_discount if {
	offers.violations == {"offer_not_approved_for_reason"} with input as _reasoned("service", "discount")
}

test_violations_catalogue_fit_declines_a_pause if {
	offers.violations == {"offer_not_approved_for_reason"} with input as _reasoned("fit", "pause")
}

test_violations_catalogue_relationship_declines_a_discount if {
	offers.violations == {"offer_not_approved_for_reason"} with input as _reasoned("relationship", "discount")
}

test_violations_catalogue_timing_allows_an_extension if {
	offers.violations == set() with input as _reasoned("timing", "extension")
}

test_violations_catalogue_not_checked_for_an_unclear_reason if {
	# No category and no keyword: unclear, which pauses before any offer is judged.
	unclear := fixtures.case_input({"customer_reason": {"text": "We have decided to leave."}}, {})
	offers.violations == set() with input as unclear
}

test_explanations_catalogue_lists_the_approved_offers if {
	offers.explanations == {
		{
			"rule": "offer.not_approved_for_reason",
			"message": concat("", [
				`A "discount" offer is not an approved save option for a "service" reason `,
				"(approved: none, service_credit, re_onboarding).",
			]),
		},
		{"rule": "tier.standard", "message": "A 5% discount is in the standard tier."},
	} with input as _reasoned("service", "discount")
}

# Poor-fit customers

test_violations_poor_fit_declines_a_discount if {
	offers.violations == {"unprofitable_fit"} with input as _poor(_discount(5, 6))
}

test_violations_poor_fit_declines_a_credit if {
	offers.violations == {"unprofitable_fit"} with input as _poor(fixtures.case_input({}, {}))
}

test_violations_poor_fit_allows_offers_without_cost if {
	offers.violations == set() with input as _poor(_reasoned("service", "re_onboarding"))
	offers.violations == set() with input as _poor(_reasoned("price", "plan_change"))
	offers.violations == set() with input as _poor(_reasoned("timing", "pause"))
}

test_violations_poor_fit_only_for_poor if {
	every fit in ["strong", "partial", "unknown", null] {
		offers.violations == set() with input as fixtures.case_input({"account": {"icp_fit": fit}}, {})
	}
}

test_explanations_poor_fit_says_why if {
	offers.explanations == {{
		"rule": "offer.unprofitable_fit",
		"message": "The account is a poor fit for the product; it is not kept with a discount or a credit.",
	}} with input as _poor(fixtures.case_input({}, {}))
}
