# METADATA
# title: Legal review tests
# description: >-
#   Each legal trigger on its own and together, the discount boundary at
#   discount.legal_review_over_months, offers that never need legal, and the
#   explanation each trigger adds.
package retention.legal_test

import data.retention.fixtures
import data.retention.legal

# The baseline service credit with offer fields changed.
_offer(patch) := fixtures.case_input({"proposed_offer": patch}, {})

# A price objection with a 5% discount on 84,000 ARR for the given months.
_discount(months) := fixtures.case_input(
	{
		"customer_reason": {"category": "price"},
		"proposed_offer": {"type": "discount", "discount_pct": 5, "duration_months": months, "credit_amount": 0},
	},
	{
		"credit_share_pct": 0,
		"concession_pct": 5,
		"margin_after_offer_pct": 70.5263,
		"offer_cost": ((84000 * 5) * months) / 1200,
	},
)

# A timing objection with an offer that costs nothing.
_uncosted(type, months) := fixtures.case_input(
	{
		"customer_reason": {"category": "timing"},
		"proposed_offer": {"type": type, "duration_months": months, "credit_amount": 0},
	},
	{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
)

# No trigger

test_review_required_not_for_the_baseline_credit if {
	legal.review_required == false with input as fixtures.case_input({}, {})
	legal.triggers == set() with input as fixtures.case_input({}, {})
	legal.explanations == set() with input as fixtures.case_input({}, {})
}

test_review_required_not_for_offers_without_legal_weight if {
	every type in ["none", "pause", "plan_change", "re_onboarding"] {
		legal.review_required == false with input as _uncosted(type, 3)
	}
}

test_triggers_flags_false_trigger_nothing if {
	flags := {
		"contract_change": false,
		"scope_change": false,
		"non_standard_terms": false,
		"customer_facing_promise": false,
	}
	legal.triggers == set() with input as _offer(flags)
}

# Each flag

test_triggers_contract_change if {
	legal.triggers == {"contract_change"} with input as _offer({"contract_change": true})
	legal.review_required with input as _offer({"contract_change": true})
}

test_triggers_scope_change if {
	legal.triggers == {"scope_change"} with input as _offer({"scope_change": true})
	legal.review_required with input as _offer({"scope_change": true})
}

test_triggers_non_standard_terms if {
	legal.triggers == {"non_standard_terms"} with input as _offer({"non_standard_terms": true})
	legal.review_required with input as _offer({"non_standard_terms": true})
}

test_triggers_customer_facing_promise if {
	legal.triggers == {"customer_facing_promise"} with input as _offer({"customer_facing_promise": true})
	legal.review_required with input as _offer({"customer_facing_promise": true})
}

test_triggers_flag_on_any_offer_type if {
	patch := {"contract_change": true}
	legal.triggers == {"contract_change"} with input as {
		"case": object.union(_uncosted("plan_change", 0).case, {"proposed_offer": patch}),
		"derived": _uncosted("plan_change", 0).derived,
	}
}

# Extension

test_triggers_extension_at_any_length if {
	legal.triggers == {"extension"} with input as _uncosted("extension", 1)
	legal.triggers == {"extension"} with input as _uncosted("extension", 3)
	legal.review_required with input as _uncosted("extension", 1)
}

test_triggers_pause_is_not_an_extension if {
	legal.triggers == set() with input as _uncosted("pause", 3)
}

# Discount duration (legal over 12 months)

test_triggers_long_discount_just_under_12_months_is_absent if {
	legal.triggers == set() with input as _discount(11)
}

test_triggers_long_discount_at_12_months_is_absent if {
	legal.triggers == set() with input as _discount(12)
	legal.review_required == false with input as _discount(12)
}

test_triggers_long_discount_just_over_12_months_is_present if {
	legal.triggers == {"long_discount"} with input as _discount(13)
	legal.review_required with input as _discount(13)
}

test_triggers_long_discount_only_for_discounts if {
	legal.triggers == set() with input as _uncosted("plan_change", 24)
	legal.triggers == {"extension"} with input as _uncosted("extension", 13)
}

test_triggers_long_discount_follows_the_data if {
	legal.triggers == {"long_discount"} with input as _discount(7)
		with data.retention.config.discount.legal_review_over_months as 6
}

# Together

test_triggers_all_at_once if {
	all_flags := {
		"type": "extension",
		"duration_months": 2,
		"credit_amount": 0,
		"contract_change": true,
		"scope_change": true,
		"non_standard_terms": true,
		"customer_facing_promise": true,
	}
	triggers := legal.triggers with input as _offer(all_flags)
	triggers == {"contract_change", "scope_change", "non_standard_terms", "customer_facing_promise", "extension"}
}

# Explanations

test_explanations_contract_change if {
	legal.explanations == {{
		"rule": "legal.contract_change",
		"message": "The offer changes the contract. Legal must review it.",
	}} with input as _offer({"contract_change": true})
}

test_explanations_scope_change if {
	legal.explanations == {{
		"rule": "legal.scope_change",
		"message": "The offer changes the scope. Legal must review it.",
	}} with input as _offer({"scope_change": true})
}

test_explanations_non_standard_terms if {
	legal.explanations == {{
		"rule": "legal.non_standard_terms",
		"message": "The offer has non-standard terms. Legal must review it.",
	}} with input as _offer({"non_standard_terms": true})
}

test_explanations_customer_facing_promise if {
	legal.explanations == {{
		"rule": "legal.customer_facing_promise",
		"message": "A promise has already been made to the customer. Legal must review it.",
	}} with input as _offer({"customer_facing_promise": true})
}

test_explanations_extension if {
	legal.explanations == {{
		"rule": "legal.extension",
		"message": "The offer extends the contract. Legal must review it.",
	}} with input as _uncosted("extension", 2)
}

test_explanations_long_discount if {
	legal.explanations == {{
		"rule": "legal.long_discount",
		"message": "The discount runs 18 months, longer than 12. Legal must review it.",
	}} with input as _discount(18)
}

test_explanations_one_per_trigger if {
	both := fixtures.case_input(
		{
			"customer_reason": {"category": "price"},
			"proposed_offer": {
				"type": "discount", "discount_pct": 5, "duration_months": 18, "credit_amount": 0,
				"scope_change": true,
			},
		},
		_discount(18).derived,
	)
	{e.rule | some e in legal.explanations} == {"legal.scope_change", "legal.long_discount"} with input as both
	count(legal.explanations) == 2 with input as both
}
