# METADATA
# title: Save-offer decision tests
# description: >-
#   The composed decision document: pause outranks decline, decline outranks
#   route; every key is always present; pause reasons, missing evidence and
#   violations are sorted; explanations start with the outcome and carry
#   stable rule ids; a paused or declined case goes to the account owner alone.
package retention_test

import data.retention
import data.retention.fixtures

_keys := {
	"outcome", "reason_class", "save_path", "discount_tier", "legal_review_required", "escalation_level",
	"urgent", "approval_chain", "pause_reasons", "missing_evidence", "violations", "explanations",
	"alternatives",
}

_owner_chain(sla_hours) := [{"stage": 1, "roles": ["account_owner"], "mode": "all", "sla_hours": sla_hours}]

# A price case with a discount of the given percentage for 6 months on the
# baseline 84,000 ARR at 72% gross margin (derived facts as the service computes them).
_discount_input(pct, margin_after, cost, case_patch, derived_patch) := fixtures.case_input(
	object.union(
		{
			"customer_reason": {"category": "price"},
			"proposed_offer": {"type": "discount", "discount_pct": pct, "duration_months": 6, "credit_amount": 0},
		},
		case_patch,
	),
	object.union(
		{"credit_share_pct": 0, "concession_pct": pct, "margin_after_offer_pct": margin_after, "offer_cost": cost},
		derived_patch,
	),
)

# 15% for 6 months: elevated tier, finance reviews; margin 67.06%, cost 6,300.
_elevated_discount(case_patch, derived_patch) := _discount_input(15, 67.0588, 6300, case_patch, derived_patch)

# A 10% discount proposed for a service complaint: not an approved save option.
_service_discount(case_patch, derived_patch) := fixtures.case_input(
	object.union(
		{"proposed_offer": {"type": "discount", "discount_pct": 10, "duration_months": 6, "credit_amount": 0}},
		case_patch,
	),
	object.union(
		{"credit_share_pct": 0, "concession_pct": 10, "margin_after_offer_pct": 68.8889, "offer_cost": 4200},
		derived_patch,
	),
)

_rule_ids(decision) := [e.rule | some e in decision.explanations]

# Route

test_decision_baseline_routes_to_account_owner_only if {
	decision := retention.decision with input as fixtures.case_input({}, {})
	decision.alternatives.status == "drafted"
	object.remove(decision, {"alternatives"}) == {
		"outcome": "route",
		"reason_class": "service",
		"save_path": "service_recovery",
		"discount_tier": "none",
		"legal_review_required": false,
		"escalation_level": "none",
		"urgent": false,
		"approval_chain": _owner_chain(48),
		"pause_reasons": [],
		"missing_evidence": [],
		"violations": [],
		"explanations": [
			{"rule": "outcome.route", "message": "The offer goes to its approval chain; people decide it."},
			{
				"rule": "classification.keywords",
				"message": "The customer's words point to one reason class only: \"service\".",
			},
			{"rule": "chain.deadline", "message": "Each stage is due within 48 hours."},
		],
	}
}

test_outcome_route_uses_routed_chain if {
	decision := retention.decision with input as _elevated_discount({}, {})
	decision.outcome == "route"
	decision.discount_tier == "elevated"
	decision.approval_chain == [
		{"stage": 1, "roles": ["account_owner"], "mode": "all", "sla_hours": 48},
		{"stage": 2, "roles": ["finance"], "mode": "all", "sla_hours": 48},
	]
	_rule_ids(decision) == [
		"outcome.route", "classification.crm_category", "tier.elevated",
		"chain.deadline", "chain.finance.tier",
	]
}

# Decline

test_outcome_decline_when_offer_not_approved_for_reason if {
	decision := retention.decision with input as _service_discount({}, {})
	decision.outcome == "decline"
	decision.reason_class == "service"
	decision.violations == ["offer_not_approved_for_reason"]
	decision.pause_reasons == []
	decision.approval_chain == _owner_chain(48)
	decision.explanations[0] == {
		"rule": "outcome.decline",
		"message": "The proposed offer breaks the save-offer guidelines; the account owner may propose another.",
	}
	_rule_ids(decision) == [
		"outcome.decline", "classification.keywords", "offer.not_approved_for_reason",
		"tier.standard", "chain.deadline",
	]
}

test_outcome_decline_chain_is_owner_only_even_when_escalated if {
	decision := retention.decision with input as _service_discount({"account": {"arr": 300000}}, {"offer_cost": 15000})
	decision.outcome == "decline"
	decision.escalation_level == "executive"
	decision.approval_chain == _owner_chain(48)
}

test_outcome_decline_on_margin_violation_alone if {
	decision := retention.decision with input as fixtures.case_input({}, {"margin_after_offer_pct": 29.9})
	decision.outcome == "decline"
	decision.violations == ["margin_floor"]
	decision.approval_chain == _owner_chain(48)
}

test_outcome_margin_at_floor_is_not_declined if {
	decision := retention.decision with input as fixtures.case_input({}, {"margin_after_offer_pct": 30})
	decision.outcome == "route"
	decision.violations == []
}

test_violations_sorted if {
	inp := _service_discount(
		{
			"account": {"segment": "smb", "icp_fit": "poor"},
			"proposed_offer": {"discount_pct": 35, "duration_months": 30},
		},
		{"concession_pct": 35, "margin_after_offer_pct": 20, "offer_cost": 73500},
	)
	decision := retention.decision with input as inp
	decision.outcome == "decline"
	decision.discount_tier == "not_allowed"
	decision.violations == [
		"discount_above_segment_cap",
		"discount_above_tier_max",
		"duration_above_max",
		"margin_floor",
		"offer_not_approved_for_reason",
		"unprofitable_fit",
	]
}

# Pause outranks everything

test_outcome_pause_outranks_decline if {
	decision := retention.decision with input as _service_discount({"customer_reason": {"sentiment": "angry"}}, {})
	decision.outcome == "pause"
	decision.pause_reasons == ["emotionally_charged"]
	decision.violations == ["offer_not_approved_for_reason"]
	decision.approval_chain == _owner_chain(48)
	decision.explanations[0] == {
		"rule": "outcome.pause",
		"message": "The case is paused: the account owner must complete or clarify it before any offer.",
	}
}

test_outcome_pause_outranks_route if {
	decision := retention.decision with input as _elevated_discount({}, {"evidence_age_days": 15})
	decision.outcome == "pause"
	decision.pause_reasons == ["stale_evidence"]
	decision.discount_tier == "elevated"
	decision.approval_chain == _owner_chain(48)
}

test_outcome_each_pause_reason_pauses if {
	cases := {
		"reason_unclear": [{"customer_reason": {"text": "Thinking about our options."}}, {}],
		"emotionally_charged": [{"customer_reason": {"sentiment": "angry"}}, {}],
		"missing_evidence": [{"account": {"owner_id": null}}, {}],
		"stale_evidence": [{}, {"evidence_age_days": 14.5}],
		"contradictory_evidence": [{}, {"days_to_renewal": -1}],
	}
	every reason, patches in cases {
		retention.decision.outcome == "pause" with input as fixtures.case_input(patches[0], patches[1])
		retention.decision.pause_reasons == [reason] with input as fixtures.case_input(patches[0], patches[1])
	}
}

test_outcome_evidence_at_age_limit_routes if {
	decision := retention.decision with input as fixtures.case_input({}, {"evidence_age_days": 14})
	decision.outcome == "route"
}

test_pause_reasons_sorted if {
	inp := fixtures.case_input(
		{
			"customer_reason": {"text": "Thinking about our options.", "sentiment": "angry"},
			"account": {"arr": null, "owner_id": null},
			"proposed_offer": {"discount_pct": 5},
		},
		{"evidence_age_days": 20, "days_to_renewal": 10},
	)
	decision := retention.decision with input as inp
	decision.outcome == "pause"
	decision.pause_reasons == [
		"contradictory_evidence",
		"emotionally_charged",
		"missing_evidence",
		"reason_unclear",
		"stale_evidence",
	]
	decision.missing_evidence == ["account.arr", "account.owner_id"]
	decision.reason_class == "unclear"
	decision.save_path == null
	decision.approval_chain == _owner_chain(8)
	{rule | some rule in _rule_ids(decision)} == {
		"outcome.pause", "classification.unclear", "pause.missing_evidence", "pause.emotionally_charged",
		"pause.reason_unclear", "pause.contradictory_evidence", "pause.stale_evidence", "chain.deadline",
	}
}

test_missing_evidence_sorted if {
	inp := fixtures.case_input(
		{
			"account": {"arr": null, "owner_id": null, "gross_margin_pct": null},
			"contract": {"status": null, "renewal_date": null},
			"evidence_as_of": null,
		},
		{"evidence_age_days": null, "days_to_renewal": null},
	)
	decision := retention.decision with input as inp
	decision.outcome == "pause"
	decision.pause_reasons == ["missing_evidence"]
	decision.missing_evidence == [
		"account.arr",
		"account.gross_margin_pct",
		"account.owner_id",
		"contract.renewal_date",
		"contract.status",
		"evidence_as_of",
	]
	decision.approval_chain == _owner_chain(48)
}

test_save_path_unclear_is_null if {
	decision := retention.decision with input as fixtures.case_input({"customer_reason": {"text": "Maybe."}}, {})
	decision.reason_class == "unclear"
	decision.save_path == null
	decision.outcome == "pause"
}

# Shape: every key, whatever the outcome

test_decision_has_every_key_for_each_outcome if {
	inputs := {
		"route": fixtures.case_input({}, {}),
		"decline": _service_discount({}, {}),
		"pause": fixtures.case_input({"customer_reason": {"text": "Maybe."}, "account": {"arr": null}}, {}),
	}
	every outcome, inp in inputs {
		retention.decision.outcome == outcome with input as inp
		object.keys(retention.decision) == _keys with input as inp
	}
}

test_decision_value_types_for_each_outcome if {
	inputs := [
		fixtures.case_input({}, {}),
		_service_discount({}, {}),
		fixtures.case_input({"customer_reason": {"text": "Maybe."}, "account": {"arr": null}}, {}),
	]
	every inp in inputs {
		is_boolean(retention.decision.legal_review_required) with input as inp
		is_boolean(retention.decision.urgent) with input as inp
		is_array(retention.decision.pause_reasons) with input as inp
		is_array(retention.decision.missing_evidence) with input as inp
		is_array(retention.decision.violations) with input as inp
		is_string(retention.decision.escalation_level) with input as inp
		is_string(retention.decision.discount_tier) with input as inp
		count(retention.decision.approval_chain) > 0 with input as inp
	}
}

# Explanations

test_explanations_start_with_outcome_and_carry_rule_ids if {
	inputs := [
		fixtures.case_input({}, {}),
		_service_discount({}, {}),
		fixtures.case_input({"customer_reason": {"sentiment": "angry"}}, {}),
	]
	every inp in inputs {
		retention.decision.explanations[0].rule == sprintf("outcome.%s", [retention.decision.outcome]) with input as inp
		_all_explained(retention.decision.explanations) with input as inp
	}
}

# Every explanation is exactly a rule id (dotted, lower case) and a non-empty message.
_all_explained(explanations) if {
	every e in explanations {
		object.keys(e) == {"rule", "message"}
		regex.match(`^[a-z_]+(\.[a-z_]+)+$`, e.rule)
		count(e.message) > 0
	}
}
