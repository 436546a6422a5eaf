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

# Vocabulary (vocabulary.reason_classes, vocabulary.offer_types, vocabulary.roles):
# the names the policy and the service share; the service reads them from here.

_vocabulary := data.retention.config.vocabulary

test_vocabulary_reference_data if {
	_vocabulary == {
		"reason_classes": ["price", "value", "service", "fit", "timing", "relationship"],
		"offer_types": ["none", "discount", "service_credit", "pause", "extension", "plan_change", "re_onboarding"],
		"roles": ["account_owner", "finance", "revops", "legal", "cs_leadership", "executive"],
	}
}

test_every_reason_class_has_keywords_a_save_path_and_approved_offers if {
	classes := {class | some class in _vocabulary.reason_classes}
	object.keys(data.retention.config.classification.keywords) == classes
	object.keys(data.retention.config.save_paths) == classes
	object.keys(data.retention.config.offers.allowed_by_reason) == classes
}

test_the_data_names_only_reason_classes_of_the_vocabulary if {
	every _, class in data.retention.config.classification.trigger_defaults {
		class in _vocabulary.reason_classes
	}
	every class in data.retention.config.escalation.director_reason_classes {
		class in _vocabulary.reason_classes
	}
}

test_the_data_names_only_offer_types_of_the_vocabulary if {
	config := data.retention.config
	lists := [
		config.evidence.costed_offer_types,
		config.offers.poor_fit_blocked_types,
		config.offers.concession_types,
		config.offers.pause_types,
		config.legal.review_offer_types,
	]
	every types in array.concat(lists, [types | some types in config.offers.allowed_by_reason]) {
		every type in types {
			type in _vocabulary.offer_types
		}
	}
}

test_the_data_names_only_roles_of_the_vocabulary if {
	approval := data.retention.config.approval
	approval.owner_role in _vocabulary.roles
	every role in approval.parallel_roles {
		role in _vocabulary.roles
	}
	every _, roles in approval.escalation_roles {
		every role in roles {
			role in _vocabulary.roles
		}
	}
}

test_the_data_names_only_tiers_of_discount_tiers if {
	names := {tier.name | some tier in data.retention.config.discount.tiers}
	every tier in array.flatten([
		data.retention.config.approval.finance_tiers,
		data.retention.config.approval.revops_tiers,
		data.retention.config.escalation.executive_tiers,
	]) {
		tier in names
	}
}

test_vocabulary_reason_classes_are_the_classes_a_crm_category_may_name if {
	inp := fixtures.case_input({"customer_reason": {"category": "timing"}}, {})
	default_decision := data.retention.decision with input as inp
	default_decision.reason_class == "timing"

	# Without timing in the vocabulary, the baseline's words about support decide.
	d := data.retention.decision with input as inp
		with data.retention.config.vocabulary.reason_classes as ["price", "value", "service", "fit", "relationship"]
	d.reason_class == "service"
}

# Chain roles (approval.owner_role, approval.parallel_roles, approval.escalation_roles)

# A 28% strategic discount for 6 months at an enterprise account that also changes the contract.
_all_reviewers := object.union(
	_discount("enterprise", 28),
	{"case": {"proposed_offer": {"contract_change": true}}},
)

test_parallel_roles_are_every_second_stage_reviewer_in_order if {
	d := data.retention.decision with input as _all_reviewers
	d.outcome == "route"
	d.approval_chain == [
		_stage(1, ["account_owner"], 48),
		_stage(2, data.retention.config.approval.parallel_roles, 48),
		_stage(3, ["executive"], 48),
	]
}

test_parallel_roles_reordered_reorders_the_second_stage if {
	d := data.retention.decision with input as _all_reviewers
		with data.retention.config.approval.parallel_roles as ["legal", "finance"]

	# revops is not ordered by the data, so it reviews after the ordered roles.
	d.approval_chain[1] == _stage(2, ["legal", "finance", "revops"], 48)
}

test_escalation_roles_changed_for_director if {
	inp := fixtures.case_input({"risk": {"churn_score": 85}}, {"days_to_renewal": 20})
	default_decision := data.retention.decision with input as inp
	default_decision.approval_chain == [_stage(1, ["account_owner"], 24), _stage(2, ["cs_leadership"], 24)]
	d := data.retention.decision with input as inp
		with data.retention.config.approval.escalation_roles.director as ["cs_leadership", "executive"]
	d.approval_chain == [_stage(1, ["account_owner"], 24), _stage(2, ["cs_leadership", "executive"], 24)]
}

test_owner_role_changed_leads_every_chain if {
	paused := data.retention.decision with input as fixtures.case_input({"customer_reason": {"sentiment": "angry"}}, {})
		with data.retention.config.approval.owner_role as "cs_leadership"
	paused.outcome == "pause"
	paused.approval_chain == [_stage(1, ["cs_leadership"], 48)]
	routed := data.retention.decision with input as fixtures.case_input({}, {})
		with data.retention.config.approval.owner_role as "cs_leadership"
	routed.approval_chain == [_stage(1, ["cs_leadership"], 48)]
}

# Escalation by tier and reason class (escalation.executive_tiers, escalation.director_reason_classes)

test_executive_tiers_extended_to_elevated_escalates_12_pct if {
	default_decision := data.retention.decision with input as _discount("mid_market", 12)
	default_decision.escalation_level == "none"
	d := data.retention.decision with input as _discount("mid_market", 12)
		with data.retention.config.escalation.executive_tiers as ["elevated", "strategic"]
	d.escalation_level == "executive"
	some e in d.explanations
	e.rule == "escalation.executive.strategic_discount"
	e.message == "The discount is in the elevated tier. The case escalates to an executive."
}

# A fit case with a plan change, which costs nothing, in the given segment.
_fit(segment) := fixtures.case_input(
	{
		"account": {"segment": segment},
		"customer_reason": {"category": "fit"},
		"proposed_offer": {"type": "plan_change", "credit_amount": 0},
	},
	{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
)

test_director_reason_classes_extended_to_fit if {
	default_decision := data.retention.decision with input as _fit("mid_market")
	default_decision.outcome == "route"
	default_decision.escalation_level == "none"
	d := data.retention.decision with input as _fit("mid_market")
		with data.retention.config.escalation.director_reason_classes as ["relationship", "fit"]
	d.escalation_level == "director"
	{
		"rule": "escalation.director.relationship",
		"message": "The reason is the fit. The case escalates to CS leadership.",
	} in d.explanations
}

test_director_reason_classes_extended_to_fit_at_an_enterprise_account if {
	d := data.retention.decision with input as _fit("enterprise")
		with data.retention.config.escalation.director_reason_classes as ["relationship", "fit"]
	d.escalation_level == "executive"
}

# Legal review (legal.review_flags, legal.review_offer_types)

test_legal_review_flags_narrowed_drops_non_standard_terms if {
	inp := fixtures.case_input({"proposed_offer": {"non_standard_terms": true}}, {})
	default_decision := data.retention.decision with input as inp
	default_decision.legal_review_required == true
	d := data.retention.decision with input as inp
		with data.retention.config.legal.review_flags as ["contract_change", "scope_change", "customer_facing_promise"]
	d.legal_review_required == false
	d.approval_chain == _owner_only
}

test_legal_review_offer_types_extended_to_pause if {
	inp := fixtures.case_input(
		{
			"customer_reason": {"category": "timing"},
			"proposed_offer": {"type": "pause", "duration_months": 2, "credit_amount": 0},
		},
		{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
	)
	default_decision := data.retention.decision with input as inp
	default_decision.legal_review_required == false
	d := data.retention.decision with input as inp
		with data.retention.config.legal.review_offer_types as ["extension", "pause"]
	d.legal_review_required == true
	d.approval_chain == [_stage(1, ["account_owner"], 48), _stage(2, ["legal"], 48)]
	{"rule": "legal.pause", "message": "The offer triggers \"pause\". Legal must review it."} in d.explanations
}

# Required evidence (evidence.required_fields, evidence.costed_required_fields)

test_required_fields_extended_pauses_on_a_missing_churn_score if {
	inp := fixtures.case_input({"risk": {"churn_score": null}}, {})
	default_decision := data.retention.decision with input as inp
	default_decision.outcome == "route"
	d := data.retention.decision with input as inp
		with data.retention.config.evidence.required_fields as array.concat(
			data.retention.config.evidence.required_fields,
			["risk.churn_score"],
		)
	d.outcome == "pause"
	d.missing_evidence == ["risk.churn_score"]
}

test_costed_required_fields_extended_only_for_costed_offers if {
	costed := fixtures.case_input({"account": {"currency": ""}}, {})
	uncosted := fixtures.case_input(
		{"account": {"currency": ""}, "proposed_offer": {"type": "re_onboarding", "credit_amount": 0}},
		{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
	)
	fields := ["account.gross_margin_pct", "account.currency"]
	d := data.retention.decision with input as costed
		with data.retention.config.evidence.costed_required_fields as fields
	d.outcome == "pause"
	d.missing_evidence == ["account.currency"]
	free := data.retention.decision with input as uncosted
		with data.retention.config.evidence.costed_required_fields as fields
	free.outcome == "route"
	free.missing_evidence == []
}
