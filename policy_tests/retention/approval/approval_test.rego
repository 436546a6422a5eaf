# METADATA
# title: Approval chain tests
# description: >-
#   The approval chain a routed offer gets: the account owner first; finance,
#   revops and legal in parallel where each applies; then the executive or CS
#   leadership by escalation level. Stage numbers, mode, the per-stage
#   deadline at each renewal boundary, the owner-only chain, and the
#   explanations for each reviewer.
package retention.approval_test

import data.retention.approval
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

# A non-costed offer of the given type for the given reason, with the given offer flags.
_offer(reason, type, months, flags) := fixtures.case_input(
	{
		"customer_reason": {"category": reason},
		"proposed_offer": object.union({"type": type, "duration_months": months, "credit_amount": 0}, flags),
	},
	{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
)

# The baseline case with the account the given number of days past due.
_past_due(days) := fixtures.case_input({"billing": {"past_due_days": days}}, {})

# The baseline case with the renewal the given number of days away.
_renewal(days) := fixtures.case_input({}, {"days_to_renewal": days})

_stage(n, roles, hours) := {"stage": n, "roles": roles, "mode": "all", "sla_hours": hours}

_owner_only := [_stage(1, ["account_owner"], 48)]

_rule_ids contains e.rule if {
	some e in approval.explanations
}

# Baseline and owner-only chain

test_routed_chain_baseline_is_owner_only if {
	chain := approval.routed_chain with input as fixtures.case_input({}, {})
	chain == _owner_only
	reviews := approval.parallel_review with input as fixtures.case_input({}, {})
	reviews == set()
	explanations := approval.explanations with input as fixtures.case_input({}, {})
	explanations == {{"rule": "chain.deadline", "message": "Each stage is due within 48 hours."}}
}

test_owner_chain_is_owner_only_even_when_escalated if {
	inp := _discount(300000, "enterprise", 25, 6)
	chain := approval.owner_chain with input as inp
	chain == _owner_only
}

test_owner_chain_uses_the_renewal_deadline if {
	chain := approval.owner_chain with input as _renewal(10)
	chain == [_stage(1, ["account_owner"], 8)]
}

# The brief's example: a strategic discount for an enterprise account over 250,000 ARR

test_routed_chain_strategic_enterprise_over_250000 if {
	# 300,000 ARR, 25% for 6 months: strategic tier, costs 37,500, margin 62.7%.
	inp := _discount(300000, "enterprise", 25, 6)
	chain := approval.routed_chain with input as inp
	chain == [
		_stage(1, ["account_owner"], 48),
		_stage(2, ["finance", "revops"], 48),
		_stage(3, ["executive"], 48),
	]
	reviews := approval.parallel_review with input as inp
	reviews == {["finance", "tier"], ["revops", "tier"]}
	explanations := approval.explanations with input as inp
	explanations == {
		{"rule": "chain.finance.tier", "message": "finance reviews because the discount is in the strategic tier."},
		{"rule": "chain.revops.tier", "message": "revops reviews because the discount is in the strategic tier."},
		{"rule": "chain.deadline", "message": "Each stage is due within 48 hours."},
	}
}

# Discount tiers: finance for elevated and strategic, revops for strategic

test_parallel_review_standard_discount_at_10_has_none if {
	inp := _discount(84000, "mid_market", 10, 6)
	reviews := approval.parallel_review with input as inp
	reviews == set()
	chain := approval.routed_chain with input as inp
	chain == _owner_only
}

test_parallel_review_elevated_discount_just_over_10_adds_finance if {
	inp := _discount(84000, "mid_market", 10.5, 6)
	reviews := approval.parallel_review with input as inp
	reviews == {["finance", "tier"]}
	chain := approval.routed_chain with input as inp
	chain == [_stage(1, ["account_owner"], 48), _stage(2, ["finance"], 48)]
	ids := _rule_ids with input as inp
	ids == {"chain.finance.tier", "chain.deadline"}
}

test_parallel_review_elevated_discount_at_20_adds_finance_only if {
	inp := _discount(84000, "mid_market", 20, 6)
	reviews := approval.parallel_review with input as inp
	reviews == {["finance", "tier"]}
}

test_parallel_review_strategic_discount_just_over_20_adds_finance_and_revops if {
	inp := _discount(84000, "mid_market", 20.5, 6)
	reviews := approval.parallel_review with input as inp
	reviews == {["finance", "tier"], ["revops", "tier"]}
	chain := approval.routed_chain with input as inp
	chain == [
		_stage(1, ["account_owner"], 48),
		_stage(2, ["finance", "revops"], 48),
		_stage(3, ["executive"], 48),
	]
}

# Credit share of ARR over 5%

test_parallel_review_credit_just_under_5_pct_has_none if {
	reviews := approval.parallel_review with input as _credit(4199)
	reviews == set()
}

test_parallel_review_credit_at_5_pct_has_none if {
	reviews := approval.parallel_review with input as _credit(4200)
	reviews == set()
	chain := approval.routed_chain with input as _credit(4200)
	chain == _owner_only
}

test_parallel_review_credit_just_over_5_pct_adds_finance if {
	reviews := approval.parallel_review with input as _credit(4201)
	reviews == {["finance", "credit"]}
	chain := approval.routed_chain with input as _credit(4201)
	chain == [_stage(1, ["account_owner"], 48), _stage(2, ["finance"], 48)]
	explanations := approval.explanations with input as _credit(4201)
	explanations == {
		{"rule": "chain.finance.credit", "message": "finance reviews because the credit is over the finance share of ARR."},
		{"rule": "chain.deadline", "message": "Each stage is due within 48 hours."},
	}
}

test_routed_chain_credit_over_15_pct_adds_finance_and_executive if {
	chain := approval.routed_chain with input as _credit(12601)
	chain == [
		_stage(1, ["account_owner"], 48),
		_stage(2, ["finance"], 48),
		_stage(3, ["executive"], 48),
	]
}

# More than 90 days past due

test_parallel_review_past_due_at_90_days_has_none if {
	reviews := approval.parallel_review with input as _past_due(90)
	reviews == set()
}

test_parallel_review_past_due_just_over_90_days_adds_finance if {
	reviews := approval.parallel_review with input as _past_due(91)
	reviews == {["finance", "past_due"]}
	chain := approval.routed_chain with input as _past_due(91)
	chain == [_stage(1, ["account_owner"], 48), _stage(2, ["finance"], 48)]
	explanations := approval.explanations with input as _past_due(91)
	explanations == {
		{"rule": "chain.finance.past_due", "message": "finance reviews because the account is more than 90 days past due."},
		{"rule": "chain.deadline", "message": "Each stage is due within 48 hours."},
	}
}

test_parallel_review_past_due_pause_is_a_concession if {
	inp := object.union(_offer("value", "pause", 2, {}), {"case": {"billing": {"past_due_days": 120}}})
	reviews := approval.parallel_review with input as inp
	reviews == {["finance", "past_due"]}
}

test_parallel_review_past_due_re_onboarding_is_not_a_concession if {
	inp := object.union(_offer("service", "re_onboarding", 0, {}), {"case": {"billing": {"past_due_days": 120}}})
	reviews := approval.parallel_review with input as inp
	reviews == set()
}

test_parallel_review_past_due_and_credit_list_finance_once if {
	inp := object.union(_credit(4201), {"case": {"billing": {"past_due_days": 91}}})
	reviews := approval.parallel_review with input as inp
	reviews == {["finance", "credit"], ["finance", "past_due"]}
	chain := approval.routed_chain with input as inp
	chain == [_stage(1, ["account_owner"], 48), _stage(2, ["finance"], 48)]
}

# Legal review

test_parallel_review_contract_change_adds_legal if {
	inp := _offer("service", "re_onboarding", 0, {"contract_change": true})
	reviews := approval.parallel_review with input as inp
	reviews == {["legal", "legal_review"]}
	chain := approval.routed_chain with input as inp
	chain == [_stage(1, ["account_owner"], 48), _stage(2, ["legal"], 48)]
	explanations := approval.explanations with input as inp
	explanations == {
		{"rule": "chain.legal.legal_review", "message": "legal reviews because legal review is required."},
		{"rule": "chain.deadline", "message": "Each stage is due within 48 hours."},
	}
}

test_parallel_review_extension_adds_legal if {
	reviews := approval.parallel_review with input as _offer("timing", "extension", 2, {})
	reviews == {["legal", "legal_review"]}
}

test_parallel_review_discount_at_12_months_has_no_legal if {
	reviews := approval.parallel_review with input as _discount(84000, "mid_market", 5, 12)
	reviews == set()
}

test_parallel_review_discount_just_over_12_months_adds_legal if {
	reviews := approval.parallel_review with input as _discount(84000, "mid_market", 5, 13)
	reviews == {["legal", "legal_review"]}
}

# Order within the parallel stage and stage numbering

test_routed_chain_parallel_roles_in_brief_order if {
	# Strategic tier and a 13-month discount: finance, revops and legal together.
	inp := _discount(84000, "enterprise", 25, 13)
	chain := approval.routed_chain with input as inp
	chain == [
		_stage(1, ["account_owner"], 48),
		_stage(2, ["finance", "revops", "legal"], 48),
		_stage(3, ["executive"], 48),
	]
}

test_routed_chain_director_without_reviewers_is_stage_2 if {
	inp := fixtures.case_input(
		{
			"customer_reason": {"category": "relationship"},
			"proposed_offer": {"type": "re_onboarding", "credit_amount": 0},
		},
		{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
	)
	chain := approval.routed_chain with input as inp
	chain == [_stage(1, ["account_owner"], 48), _stage(2, ["cs_leadership"], 48)]
}

test_routed_chain_executive_without_reviewers_is_stage_2 if {
	inp := fixtures.case_input(
		{"account": {"arr": 300000}},
		{"credit_share_pct": 1, "concession_pct": 1, "margin_after_offer_pct": _margin_after(72, 1)},
	)
	chain := approval.routed_chain with input as inp
	chain == [_stage(1, ["account_owner"], 48), _stage(2, ["executive"], 48)]
}

test_routed_chain_urgent_with_legal_adds_cs_leadership if {
	inp := object.union(
		_offer("service", "re_onboarding", 0, {"customer_facing_promise": true}),
		{"case": {"risk": {"churn_score": 85}}, "derived": {"days_to_renewal": 20}},
	)
	chain := approval.routed_chain with input as inp
	chain == [
		_stage(1, ["account_owner"], 24),
		_stage(2, ["legal"], 24),
		_stage(3, ["cs_leadership"], 24),
	]
}

# Stage deadline: 48 hours; 24 within 60 days; 8 within 14 days

test_sla_hours_just_over_60_days_is_48 if {
	hours := approval.sla_hours with input as _renewal(61)
	hours == 48
}

test_sla_hours_at_60_days_is_24 if {
	hours := approval.sla_hours with input as _renewal(60)
	hours == 24
	chain := approval.routed_chain with input as _renewal(60)
	chain == [_stage(1, ["account_owner"], 24)]
	explanations := approval.explanations with input as _renewal(60)
	explanations == {{"rule": "chain.deadline", "message": "Each stage is due within 24 hours."}}
}

test_sla_hours_just_under_60_days_is_24 if {
	hours := approval.sla_hours with input as _renewal(59)
	hours == 24
}

test_sla_hours_just_over_14_days_is_24 if {
	hours := approval.sla_hours with input as _renewal(15)
	hours == 24
}

test_sla_hours_at_14_days_is_8 if {
	hours := approval.sla_hours with input as _renewal(14)
	hours == 8
	chain := approval.routed_chain with input as _renewal(14)
	chain == [_stage(1, ["account_owner"], 8)]
}

test_sla_hours_just_under_14_days_is_8 if {
	hours := approval.sla_hours with input as _renewal(13)
	hours == 8
}

test_sla_hours_renewal_past_is_8 if {
	hours := approval.sla_hours with input as _renewal(-5)
	hours == 8
}

test_sla_hours_renewal_unknown_is_48 if {
	hours := approval.sla_hours with input as _renewal(null)
	hours == 48
}

test_sla_hours_same_for_every_stage if {
	inp := object.union(_discount(300000, "enterprise", 25, 6), {"derived": {"days_to_renewal": 7}})
	chain := approval.routed_chain with input as inp
	chain == [
		_stage(1, ["account_owner"], 8),
		_stage(2, ["finance", "revops"], 8),
		_stage(3, ["executive"], 8),
	]
}

test_sla_hours_without_default_in_data_is_undefined_outside_the_bands if {
	# No number lives in the Rego: without the data's default there is no
	# deadline, so no chain, and the service refuses the decision.
	approval_config := json.remove(data.retention.config.approval, ["default_sla_hours"])
	not approval.sla_hours with input as _renewal(70)
		with data.retention.config.approval as approval_config
	chain := approval.routed_chain with input as _renewal(70)
		with data.retention.config.approval as approval_config
	chain == []
	tight := approval.sla_hours with input as _renewal(10)
		with data.retention.config.approval as approval_config
	tight == 8
}
