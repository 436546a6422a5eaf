# METADATA
# title: Threshold data tests
# description: >-
#   Finance changes thresholds with a data release, not a Rego change. Each
#   test decides the same input twice, with the reference data and with one
#   number or list in data.retention.config overridden, and shows the
#   routing, tier, chain, urgency or escalation follow the data.
package retention.config_test

import data.retention.fixtures

# Margin left after a discount of d percent on a gross margin of gross percent (the brief's formula).
_margin_after(gross, d) := 100 * (1 - ((1 - (gross / 100)) / (1 - (d / 100))))

# A price case with a discount of pct percent for 6 months on the baseline 84,000 ARR in the given segment.
_discount(segment, pct) := fixtures.case_input(
	{
		"account": {"segment": segment},
		"customer_reason": {"category": "price", "text": "The renewal price is too high."},
		"proposed_offer": {"type": "discount", "discount_pct": pct, "duration_months": 6, "credit_amount": 0},
	},
	{
		"credit_share_pct": 0,
		"concession_pct": pct,
		"margin_after_offer_pct": _margin_after(72, pct),
		"offer_cost": ((7000 * pct) / 100) * 6,
	},
)

_stage(n, roles, hours) := {"stage": n, "roles": roles, "mode": "all", "sla_hours": hours}

_owner_only := [_stage(1, ["account_owner"], 48)]

# Executive ARR threshold (escalation.executive_arr_at_or_over)

test_executive_arr_threshold_default_leaves_84000_unescalated if {
	d := data.retention.decision with input as fixtures.case_input({}, {})
	d.outcome == "route"
	d.escalation_level == "none"
	d.approval_chain == _owner_only
}

test_executive_arr_threshold_lowered_escalates_84000 if {
	d := data.retention.decision with input as fixtures.case_input({}, {})
		with data.retention.config.escalation.executive_arr_at_or_over as 84000
	d.outcome == "route"
	d.escalation_level == "executive"
	d.approval_chain == [_stage(1, ["account_owner"], 48), _stage(2, ["executive"], 48)]
	some e in d.explanations
	e.rule == "escalation.executive.arr"
	e.message == "ARR of 84000 is at or over 84000. The case escalates to an executive."
}

test_executive_arr_threshold_raised_leaves_300000_unescalated if {
	inp := fixtures.case_input(
		{"account": {"arr": 300000}},
		{"credit_share_pct": 1, "concession_pct": 1, "margin_after_offer_pct": _margin_after(72, 1)},
	)
	default_decision := data.retention.decision with input as inp
	default_decision.escalation_level == "executive"
	raised := data.retention.decision with input as inp
		with data.retention.config.escalation.executive_arr_at_or_over as 300001
	raised.escalation_level == "none"
	raised.approval_chain == _owner_only
}

# Discount tier boundaries (discount.tiers)

test_discount_tiers_default_puts_12_pct_in_elevated if {
	d := data.retention.decision with input as _discount("mid_market", 12)
	d.outcome == "route"
	d.discount_tier == "elevated"
	d.approval_chain == [_stage(1, ["account_owner"], 48), _stage(2, ["finance"], 48)]
}

test_discount_tiers_standard_raised_to_15_puts_12_pct_in_standard if {
	d := data.retention.decision with input as _discount("mid_market", 12)
		with data.retention.config.discount.tiers as [
			{"name": "standard", "max_pct": 15},
			{"name": "elevated", "max_pct": 20},
			{"name": "strategic", "max_pct": 30},
		]
	d.outcome == "route"
	d.discount_tier == "standard"
	d.approval_chain == _owner_only
}

test_discount_tiers_strategic_lowered_to_25_declines_28_pct if {
	default_decision := data.retention.decision with input as _discount("enterprise", 28)
	default_decision.outcome == "route"
	default_decision.discount_tier == "strategic"
	d := data.retention.decision with input as _discount("enterprise", 28)
		with data.retention.config.discount.tiers as [
			{"name": "strategic", "max_pct": 25},
			{"name": "standard", "max_pct": 10},
			{"name": "elevated", "max_pct": 20},
		]
	d.outcome == "decline"
	d.discount_tier == "not_allowed"
	d.violations == ["discount_above_tier_max"]
	d.approval_chain == _owner_only
}

# Credit share thresholds (credit.finance_over_pct, credit.executive_over_pct)

test_credit_finance_threshold_default_leaves_3_6_pct_with_owner if {
	d := data.retention.decision with input as fixtures.case_input({}, {})
	d.approval_chain == _owner_only
}

test_credit_finance_threshold_lowered_to_3_adds_finance if {
	d := data.retention.decision with input as fixtures.case_input({}, {})
		with data.retention.config.credit.finance_over_pct as 3
	d.outcome == "route"
	d.approval_chain == [_stage(1, ["account_owner"], 48), _stage(2, ["finance"], 48)]
}

test_credit_executive_threshold_lowered_to_3_escalates if {
	d := data.retention.decision with input as fixtures.case_input({}, {})
		with data.retention.config.credit.executive_over_pct as 3
	d.escalation_level == "executive"
	d.approval_chain == [_stage(1, ["account_owner"], 48), _stage(2, ["executive"], 48)]
}

# Urgency (escalation.urgent_renewal_within_days, escalation.urgent_churn_score_at_or_over)

test_urgent_renewal_days_default_leaves_40_days_not_urgent if {
	inp := fixtures.case_input({"risk": {"churn_score": 85}}, {"days_to_renewal": 40})
	d := data.retention.decision with input as inp
	d.urgent == false
	d.escalation_level == "none"
	d.approval_chain == [_stage(1, ["account_owner"], 24)]
}

test_urgent_renewal_days_raised_to_45_makes_40_days_urgent if {
	inp := fixtures.case_input({"risk": {"churn_score": 85}}, {"days_to_renewal": 40})
	d := data.retention.decision with input as inp
		with data.retention.config.escalation.urgent_renewal_within_days as 45
	d.urgent == true
	d.escalation_level == "director"
	d.approval_chain == [_stage(1, ["account_owner"], 24), _stage(2, ["cs_leadership"], 24)]
}

test_urgent_churn_score_lowered_to_60_makes_baseline_urgent if {
	inp := fixtures.case_input({}, {"days_to_renewal": 20})
	default_decision := data.retention.decision with input as inp
	default_decision.urgent == false
	d := data.retention.decision with input as inp
		with data.retention.config.escalation.urgent_churn_score_at_or_over as 60
	d.urgent == true
	d.escalation_level == "director"
}

# Relationship segments (escalation.executive_relationship_segments)

test_executive_relationship_segments_extended_to_mid_market if {
	inp := fixtures.case_input(
		{
			"customer_reason": {"category": "relationship"},
			"proposed_offer": {"type": "re_onboarding", "credit_amount": 0},
		},
		{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
	)
	default_decision := data.retention.decision with input as inp
	default_decision.escalation_level == "director"
	d := data.retention.decision with input as inp
		with data.retention.config.escalation.executive_relationship_segments as ["enterprise", "mid_market"]
	d.escalation_level == "executive"
}

# Approval roles (approval.revops_tiers, approval.finance_past_due_over_days)

test_revops_tiers_extended_to_elevated_adds_revops if {
	d := data.retention.decision with input as _discount("mid_market", 12)
		with data.retention.config.approval.revops_tiers as ["elevated", "strategic"]
	d.approval_chain == [_stage(1, ["account_owner"], 48), _stage(2, ["finance", "revops"], 48)]
}

test_finance_past_due_days_lowered_to_30_adds_finance if {
	inp := fixtures.case_input({"billing": {"past_due_days": 45}}, {})
	default_decision := data.retention.decision with input as inp
	default_decision.approval_chain == _owner_only
	d := data.retention.decision with input as inp
		with data.retention.config.approval.finance_past_due_over_days as 30
	d.approval_chain == [_stage(1, ["account_owner"], 48), _stage(2, ["finance"], 48)]
}

# Deadlines (approval.default_sla_hours, approval.deadlines)

test_default_sla_hours_changed_to_72 if {
	d := data.retention.decision with input as fixtures.case_input({}, {})
		with data.retention.config.approval.default_sla_hours as 72
	d.approval_chain == [_stage(1, ["account_owner"], 72)]
}

test_deadlines_widened_to_90_days_shortens_baseline if {
	d := data.retention.decision with input as fixtures.case_input({}, {})
		with data.retention.config.approval.deadlines as [
			{"renewal_within_days": 14, "sla_hours": 8},
			{"renewal_within_days": 90, "sla_hours": 12},
		]
	d.approval_chain == [_stage(1, ["account_owner"], 12)]
}

# Margin and cost (margin.executive_below_pct, cost.executive_over)

test_margin_executive_threshold_raised_to_75_escalates_baseline if {
	# The baseline leaves a 70.96% margin after its credit.
	d := data.retention.decision with input as fixtures.case_input({}, {})
		with data.retention.config.margin.executive_below_pct as 75
	d.escalation_level == "executive"
}

test_cost_executive_threshold_lowered_to_2999_escalates_baseline if {
	at := data.retention.decision with input as fixtures.case_input({}, {})
		with data.retention.config.cost.executive_over as 3000
	at.escalation_level == "none"
	over := data.retention.decision with input as fixtures.case_input({}, {})
		with data.retention.config.cost.executive_over as 2999
	over.escalation_level == "executive"
}

# Segment caps (discount.segment_caps)

test_segment_caps_raised_for_smb_routes_18_pct if {
	default_decision := data.retention.decision with input as _discount("smb", 18)
	default_decision.outcome == "decline"
	default_decision.violations == ["discount_above_segment_cap"]
	d := data.retention.decision with input as _discount("smb", 18)
		with data.retention.config.discount.segment_caps.smb as 20
	d.outcome == "route"
	d.discount_tier == "elevated"
}

# Escalation targets: read by the approval workflow, not by Rego; the reference data ships this map.

test_escalation_targets_reference_data if {
	data.retention.config.approval.escalation_targets == {
		"account_owner": "cs_leadership",
		"finance": "finance_lead",
		"finance_lead": "executive",
		"revops": "executive",
		"legal": "executive",
		"cs_leadership": "executive",
	}
}
