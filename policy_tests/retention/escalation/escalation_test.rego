# METADATA
# title: Escalation tests
# description: >-
#   The escalation level (none, director, executive) and urgency: each
#   executive reason (ARR, strategic discount, margin, credit share, offer
#   cost, enterprise relationship) and each director reason (relationship,
#   urgent renewal) at, just under and just over its threshold, with the
#   explanations each one adds.
package retention.escalation_test

import data.retention.escalation
import data.retention.fixtures

# Margin left after a discount of d percent on a gross margin of gross percent (the brief's formula).
_margin_after(gross, d) := 100 * (1 - ((1 - (gross / 100)) / (1 - (d / 100))))

# A price case with a discount of pct percent for months months on an account of the given ARR and segment.
_discount(arr, segment, pct, months) := fixtures.case_input(
	{
		"account": {"arr": arr, "segment": segment},
		"customer_reason": {"category": "price", "text": "The renewal price is too high."},
		"proposed_offer": {"type": "discount", "discount_pct": pct, "duration_months": months, "credit_amount": 0},
	},
	{
		"credit_share_pct": 0,
		"concession_pct": pct,
		"margin_after_offer_pct": _margin_after(72, pct),
		"offer_cost": (((arr / 12) * pct) / 100) * months,
	},
)

# The baseline service credit of the given amount on the baseline 84,000 ARR.
_credit(amount) := fixtures.case_input(
	{"proposed_offer": {"credit_amount": amount}},
	{
		"credit_share_pct": (amount * 100) / 84000,
		"concession_pct": (amount * 100) / 84000,
		"margin_after_offer_pct": _margin_after(72, (amount * 100) / 84000),
		"offer_cost": amount,
	},
)

# The baseline credit case on an account of the given ARR.
_arr(arr) := fixtures.case_input(
	{"account": {"arr": arr}},
	{
		"credit_share_pct": 300000 / arr,
		"concession_pct": 300000 / arr,
		"margin_after_offer_pct": _margin_after(72, 300000 / arr),
	},
)

# A relationship case with a non-costed re-onboarding offer in the given segment.
_relationship(segment) := fixtures.case_input(
	{
		"account": {"segment": segment},
		"customer_reason": {"category": "relationship", "text": "Our sponsor left and nobody called."},
		"proposed_offer": {"type": "re_onboarding", "credit_amount": 0},
	},
	{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
)

# The baseline case with the renewal days away and the given churn score.
_renewal(days, churn) := fixtures.case_input({"risk": {"churn_score": churn}}, {"days_to_renewal": days})

_rule_ids contains e.rule if {
	some e in escalation.explanations
}

# Baseline

test_level_baseline_is_none if {
	inp := fixtures.case_input({}, {})
	level := escalation.level with input as inp
	level == "none"
	executive := escalation.executive_reasons with input as inp
	executive == set()
	director := escalation.director_reasons with input as inp
	director == set()
	urgent := escalation.urgent with input as inp
	urgent == false
	explanations := escalation.explanations with input as inp
	explanations == set()
}

# ARR at or over 250,000

test_executive_reasons_arr_just_under_threshold_is_none if {
	reasons := escalation.executive_reasons with input as _arr(249999)
	reasons == set()
	level := escalation.level with input as _arr(249999)
	level == "none"
}

test_executive_reasons_arr_at_threshold_is_executive if {
	reasons := escalation.executive_reasons with input as _arr(250000)
	reasons == {"arr"}
	level := escalation.level with input as _arr(250000)
	level == "executive"
	explanations := escalation.explanations with input as _arr(250000)
	explanations == {{
		"rule": "escalation.executive.arr",
		"message": "ARR of 250000 is at or over 250000. The case escalates to an executive.",
	}}
}

test_executive_reasons_arr_just_over_threshold_is_executive if {
	reasons := escalation.executive_reasons with input as _arr(250001)
	reasons == {"arr"}
	level := escalation.level with input as _arr(250001)
	level == "executive"
}

test_executive_reasons_arr_missing_is_not_a_reason if {
	inp := fixtures.case_input(
		{"account": {"arr": null}},
		{"credit_share_pct": null, "concession_pct": null, "margin_after_offer_pct": null},
	)
	reasons := escalation.executive_reasons with input as inp
	not "arr" in reasons
}

# Strategic discount (over 20 up to 30)

test_executive_reasons_elevated_discount_at_20_is_none if {
	inp := _discount(120000, "enterprise", 20, 6)
	reasons := escalation.executive_reasons with input as inp
	reasons == set()
	level := escalation.level with input as inp
	level == "none"
}

test_executive_reasons_discount_just_over_20_is_strategic if {
	inp := _discount(120000, "enterprise", 20.5, 6)
	reasons := escalation.executive_reasons with input as inp
	reasons == {"strategic_discount"}
	level := escalation.level with input as inp
	level == "executive"
	ids := _rule_ids with input as inp
	ids == {"escalation.executive.strategic_discount"}
}

test_executive_reasons_discount_at_30_is_strategic if {
	inp := _discount(120000, "enterprise", 30, 6)
	reasons := escalation.executive_reasons with input as inp
	reasons == {"strategic_discount"}
}

test_executive_reasons_discount_over_30_is_not_strategic if {
	# Above every tier the offer is declined; it is not a strategic discount.
	inp := _discount(120000, "enterprise", 30.5, 6)
	reasons := escalation.executive_reasons with input as inp
	not "strategic_discount" in reasons
}

# Margin after the offer below 50

test_executive_reasons_margin_at_50_is_none if {
	inp := fixtures.case_input(
		{
			"account": {"gross_margin_pct": 55},
			"customer_reason": {"category": "price"},
			"proposed_offer": {"type": "discount", "discount_pct": 10, "duration_months": 6, "credit_amount": 0},
		},
		{"credit_share_pct": 0, "concession_pct": 10, "margin_after_offer_pct": 50, "offer_cost": 4200},
	)
	reasons := escalation.executive_reasons with input as inp
	reasons == set()
}

test_executive_reasons_margin_just_under_50_is_executive if {
	inp := fixtures.case_input(
		{
			"account": {"gross_margin_pct": 54.1},
			"customer_reason": {"category": "price"},
			"proposed_offer": {"type": "discount", "discount_pct": 10, "duration_months": 6, "credit_amount": 0},
		},
		{"credit_share_pct": 0, "concession_pct": 10, "margin_after_offer_pct": 49, "offer_cost": 4200},
	)
	reasons := escalation.executive_reasons with input as inp
	reasons == {"margin"}
	level := escalation.level with input as inp
	level == "executive"
	explanations := escalation.explanations with input as inp
	explanations == {{
		"rule": "escalation.executive.margin",
		"message": "The margin after the offer is below the executive threshold. The case escalates to an executive.",
	}}
}

test_executive_reasons_margin_just_over_50_is_none if {
	inp := fixtures.case_input(
		{
			"account": {"gross_margin_pct": 55.9},
			"customer_reason": {"category": "price"},
			"proposed_offer": {"type": "discount", "discount_pct": 10, "duration_months": 6, "credit_amount": 0},
		},
		{"credit_share_pct": 0, "concession_pct": 10, "margin_after_offer_pct": 51, "offer_cost": 4200},
	)
	reasons := escalation.executive_reasons with input as inp
	reasons == set()
}

# Credit over 15% of ARR

test_executive_reasons_credit_just_under_15_pct_is_none if {
	reasons := escalation.executive_reasons with input as _credit(12599)
	reasons == set()
}

test_executive_reasons_credit_at_15_pct_is_none if {
	reasons := escalation.executive_reasons with input as _credit(12600)
	reasons == set()
	level := escalation.level with input as _credit(12600)
	level == "none"
}

test_executive_reasons_credit_just_over_15_pct_is_executive if {
	reasons := escalation.executive_reasons with input as _credit(12601)
	reasons == {"credit"}
	level := escalation.level with input as _credit(12601)
	level == "executive"
	ids := _rule_ids with input as _credit(12601)
	ids == {"escalation.executive.credit"}
}

# Offer cost over 50,000

test_executive_reasons_cost_just_under_50000_is_none if {
	# 240,000 / 12 x 12.5% x 19 months = 47,500
	reasons := escalation.executive_reasons with input as _discount(240000, "enterprise", 12.5, 19)
	reasons == set()
}

test_executive_reasons_cost_at_50000_is_none if {
	# 240,000 / 12 x 12.5% x 20 months = 50,000
	inp := _discount(240000, "enterprise", 12.5, 20)
	inp.derived.offer_cost == 50000
	reasons := escalation.executive_reasons with input as inp
	reasons == set()
}

test_executive_reasons_cost_just_over_50000_is_executive if {
	# 240,024 / 12 x 12.5% x 20 months = 50,005
	inp := _discount(240024, "enterprise", 12.5, 20)
	inp.derived.offer_cost == 50005
	reasons := escalation.executive_reasons with input as inp
	reasons == {"offer_cost"}
	level := escalation.level with input as inp
	level == "executive"
	ids := _rule_ids with input as inp
	ids == {"escalation.executive.offer_cost"}
}

# Relationship

test_level_relationship_enterprise_is_executive if {
	inp := _relationship("enterprise")
	executive := escalation.executive_reasons with input as inp
	executive == {"enterprise_relationship"}
	level := escalation.level with input as inp
	level == "executive"
	explanations := escalation.explanations with input as inp
	explanations == {{
		"rule": "escalation.executive.enterprise_relationship",
		"message": "A relationship breakdown at an account in the enterprise segment. The case escalates to an executive.",
	}}
}

test_level_relationship_mid_market_is_director if {
	inp := _relationship("mid_market")
	executive := escalation.executive_reasons with input as inp
	executive == set()
	director := escalation.director_reasons with input as inp
	director == {"relationship"}
	level := escalation.level with input as inp
	level == "director"
	explanations := escalation.explanations with input as inp
	explanations == {{
		"rule": "escalation.director.relationship",
		"message": "The reason is the relationship. The case escalates to CS leadership.",
	}}
}

test_level_relationship_smb_is_director if {
	level := escalation.level with input as _relationship("smb")
	level == "director"
}

test_level_service_reason_enterprise_is_none if {
	level := escalation.level with input as fixtures.case_input({"account": {"segment": "enterprise"}}, {})
	level == "none"
}

# Urgent: renewal within 30 days and churn score at or over 80

test_urgent_at_both_thresholds if {
	urgent := escalation.urgent with input as _renewal(30, 80)
	urgent == true
	level := escalation.level with input as _renewal(30, 80)
	level == "director"
	director := escalation.director_reasons with input as _renewal(30, 80)
	director == {"urgent"}
	explanations := escalation.explanations with input as _renewal(30, 80)
	explanations == {
		{
			"rule": "escalation.director.urgent",
			"message": "Renewal is within 30 days and the churn score is at or over 80. The case escalates to CS leadership.",
		},
		{
			"rule": "escalation.urgent",
			"message": "Renewal is within 30 days and the churn score is at or over 80.",
		},
	}
}

test_urgent_renewal_just_over_30_days_is_not_urgent if {
	urgent := escalation.urgent with input as _renewal(31, 80)
	urgent == false
	level := escalation.level with input as _renewal(31, 80)
	level == "none"
}

test_urgent_renewal_just_under_30_days_is_urgent if {
	urgent := escalation.urgent with input as _renewal(29, 80)
	urgent == true
}

test_urgent_churn_just_under_80_is_not_urgent if {
	urgent := escalation.urgent with input as _renewal(30, 79)
	urgent == false
	level := escalation.level with input as _renewal(30, 79)
	level == "none"
}

test_urgent_churn_just_over_80_is_urgent if {
	urgent := escalation.urgent with input as _renewal(30, 81)
	urgent == true
}

test_urgent_renewal_already_past_counts_as_within if {
	urgent := escalation.urgent with input as _renewal(-1, 90)
	urgent == true
}

test_urgent_renewal_unknown_is_not_urgent if {
	urgent := escalation.urgent with input as _renewal(null, 90)
	urgent == false
}

# Executive wins over director

test_level_executive_wins_over_urgent if {
	inp := fixtures.case_input(
		{"account": {"arr": 300000}, "risk": {"churn_score": 90}},
		{"days_to_renewal": 10, "credit_share_pct": 1, "concession_pct": 1, "margin_after_offer_pct": _margin_after(72, 1)},
	)
	level := escalation.level with input as inp
	level == "executive"
	director := escalation.director_reasons with input as inp
	director == {"urgent"}
	ids := _rule_ids with input as inp
	ids == {"escalation.executive.arr", "escalation.urgent"}
}

test_level_enterprise_relationship_lists_no_director_explanation if {
	ids := _rule_ids with input as _relationship("enterprise")
	not "escalation.director.relationship" in ids
	director := escalation.director_reasons with input as _relationship("enterprise")
	director == {"relationship"}
}

test_executive_reasons_several_at_once if {
	# 300,000 ARR, 25% for 24 months: strategic, costs 150,000.
	inp := _discount(300000, "enterprise", 25, 24)
	reasons := escalation.executive_reasons with input as inp
	reasons == {"arr", "strategic_discount", "offer_cost"}
}
