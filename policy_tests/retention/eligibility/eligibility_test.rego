# METADATA
# title: Eligibility and pause tests
# description: >-
#   Each pause reason on its own and together: an unclear reason, an angry
#   customer, every missing-evidence field (null, empty or absent), evidence
#   older than the allowed age, and contradictory evidence; with the
#   boundaries at, just under and just over each threshold.
package retention.eligibility_test

import data.retention.eligibility
import data.retention.fixtures

# The baseline input with one case field (a JSON pointer such as "account/arr") removed.
_without(pointer) := {
	"case": json.remove(fixtures.base_case, [pointer]),
	"derived": fixtures.base_derived,
	"history": fixtures.base_history,
}

# The baseline input with the evidence the given number of days old.
_evidence_age(days) := fixtures.case_input({}, {"evidence_age_days": days})

# The baseline input with the renewal the given number of days away and the given contract status.
_renewal(status, days) := fixtures.case_input({"contract": {"status": status}}, {"days_to_renewal": days})

_rule_ids contains e.rule if {
	some e in eligibility.explanations
}

# Baseline

test_pause_reasons_baseline_has_none if {
	reasons := eligibility.pause_reasons with input as fixtures.case_input({}, {})
	reasons == set()
	missing := eligibility.missing_evidence with input as fixtures.case_input({}, {})
	missing == set()
	contradictions := eligibility.contradictions with input as fixtures.case_input({}, {})
	contradictions == set()
	explanations := eligibility.explanations with input as fixtures.case_input({}, {})
	explanations == set()
}

# reason_unclear

test_pause_reasons_unclear_reason_pauses if {
	inp := fixtures.case_input({"customer_reason": {"text": "Thinking about our options."}}, {})
	reasons := eligibility.pause_reasons with input as inp
	reasons == {"reason_unclear"}
	ids := _rule_ids with input as inp
	ids == {"pause.reason_unclear"}
}

test_pause_reasons_ambiguous_reason_pauses if {
	inp := fixtures.case_input({"customer_reason": {"text": "Too expensive and support is slow."}}, {})
	reasons := eligibility.pause_reasons with input as inp
	reasons == {"reason_unclear"}
}

test_pause_reasons_crm_category_clears_unclear_text if {
	inp := fixtures.case_input({"customer_reason": {"category": "service", "text": "Thinking about our options."}}, {})
	reasons := eligibility.pause_reasons with input as inp
	reasons == set()
}

# emotionally_charged

test_pause_reasons_angry_customer_pauses if {
	inp := fixtures.case_input({"customer_reason": {"sentiment": "angry"}}, {})
	reasons := eligibility.pause_reasons with input as inp
	reasons == {"emotionally_charged"}
	explanations := eligibility.explanations with input as inp
	explanations == {{
		"rule": "pause.emotionally_charged",
		"message": "The customer is angry; a person must talk to them before any offer is made.",
	}}
}

test_pause_reasons_other_sentiments_do_not_pause if {
	every sentiment in ["positive", "calm", "neutral", "frustrated", "unknown", null] {
		not "emotionally_charged" in eligibility.pause_reasons with input as fixtures.case_input(
			{"customer_reason": {"sentiment": sentiment}},
			{},
		)
	}
}

# missing_evidence

test_missing_evidence_each_required_field_when_null if {
	patches := {
		"account.arr": {"account": {"arr": null}},
		"account.owner_id": {"account": {"owner_id": null}},
		"contract.status": {"contract": {"status": null}},
		"contract.renewal_date": {"contract": {"renewal_date": null}},
		"evidence_as_of": {"evidence_as_of": null},
		"account.gross_margin_pct": {"account": {"gross_margin_pct": null}},
	}
	every field, patch in patches {
		eligibility.missing_evidence == {field} with input as fixtures.case_input(patch, {})
		eligibility.pause_reasons == {"missing_evidence"} with input as fixtures.case_input(patch, {})
	}
}

test_missing_evidence_each_required_field_when_absent if {
	pointers := {
		"account.arr": "account/arr",
		"account.owner_id": "account/owner_id",
		"contract.status": "contract/status",
		"contract.renewal_date": "contract/renewal_date",
		"evidence_as_of": "evidence_as_of",
		"account.gross_margin_pct": "account/gross_margin_pct",
	}
	every field, pointer in pointers {
		eligibility.missing_evidence == {field} with input as _without(pointer)
	}
}

test_missing_evidence_empty_string_counts_as_missing if {
	inp := fixtures.case_input({"account": {"owner_id": ""}, "contract": {"renewal_date": ""}}, {})
	missing := eligibility.missing_evidence with input as inp
	missing == {"account.owner_id", "contract.renewal_date"}
}

test_missing_evidence_whole_contract_absent_lists_both_contract_fields if {
	missing := eligibility.missing_evidence with input as _without("contract")
	missing == {"contract.status", "contract.renewal_date"}
}

# ARR at or below zero prices nothing: a costed offer on it pauses naming account.arr
# (evidence.costed_positive_fields); the credit's share and margin cannot be derived.

_credit_on_arr(arr) := fixtures.case_input(
	{"account": {"arr": arr}},
	{"credit_share_pct": null, "concession_pct": null, "margin_after_offer_pct": null},
)

# The service derives a discount's margin without ARR, and prices it at 0 on a zero ARR.
_discount_on_arr(arr) := fixtures.case_input(
	{
		"customer_reason": {"category": "price"},
		"account": {"arr": arr},
		"proposed_offer": {"type": "discount", "discount_pct": 10, "duration_months": 6, "credit_amount": 0},
	},
	{"credit_share_pct": 0, "concession_pct": 10, "margin_after_offer_pct": 68.8889, "offer_cost": 0},
)

test_missing_evidence_zero_arr_with_a_credit_is_missing if {
	eligibility.missing_evidence == {"account.arr"} with input as _credit_on_arr(0)
	eligibility.pause_reasons == {"missing_evidence"} with input as _credit_on_arr(0)
	eligibility.explanations == {{
		"rule": "pause.missing_evidence",
		"message": "Evidence is missing: account.arr.",
	}} with input as _credit_on_arr(0)
}

test_missing_evidence_zero_arr_with_a_discount_is_missing if {
	# Every figure derives (the margin needs no ARR), yet no cap can be checked on an ARR of 0.
	eligibility.missing_evidence == {"account.arr"} with input as _discount_on_arr(0)
	eligibility.pause_reasons == {"missing_evidence"} with input as _discount_on_arr(0)
}

test_missing_evidence_negative_arr_with_a_costed_offer_is_missing if {
	# The input schema and the service refuse a negative ARR; the policy pauses on one all the same.
	eligibility.missing_evidence == {"account.arr"} with input as _credit_on_arr(-84000)
	eligibility.missing_evidence == {"account.arr"} with input as _discount_on_arr(-0.01)
}

test_missing_evidence_smallest_positive_arr_is_not_missing if {
	# One cent of ARR is an amount; a 3,000 credit on it is 30,000,000% of it (declined on its caps).
	inp := fixtures.case_input(
		{"account": {"arr": 0.01}},
		{"credit_share_pct": 30000000, "concession_pct": 30000000, "margin_after_offer_pct": -1000000},
	)
	eligibility.missing_evidence == set() with input as inp
	eligibility.missing_evidence == set() with input as _discount_on_arr(0.01)
}

test_missing_evidence_zero_arr_without_cost_is_not_missing if {
	every offer_type in ["none", "pause", "extension", "plan_change", "re_onboarding"] {
		eligibility.missing_evidence == set() with input as fixtures.case_input(
			{
				"account": {"arr": 0},
				"proposed_offer": {"type": offer_type, "credit_amount": 0},
			},
			{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
		)
	}
}

test_missing_evidence_positive_fields_follow_the_data if {
	inp := fixtures.case_input({"account": {"gross_margin_pct": 0}}, {"margin_after_offer_pct": -3.7037})
	eligibility.missing_evidence == set() with input as inp
	eligibility.missing_evidence == {"account.gross_margin_pct"} with input as inp
		with data.retention.config.evidence.costed_positive_fields as ["account.arr", "account.gross_margin_pct"]

	# Without account.arr in the data, a zero ARR is not named, but the figures it leaves underivable are.
	eligibility.missing_evidence == {
		"derived.concession_pct",
		"derived.credit_share_pct",
		"derived.margin_after_offer_pct",
	} with input as _credit_on_arr(0)
		with data.retention.config.evidence.costed_positive_fields as []
}

# A figure a cap needs that the service could not derive, on a case that carries every field:
# the figure is named (derived.<figure>) and the case pauses; no cap is skipped.

test_missing_evidence_names_each_underivable_figure_of_a_costed_offer if {
	every figure in ["credit_share_pct", "concession_pct", "margin_after_offer_pct", "offer_cost"] {
		inp := fixtures.case_input({}, {figure: null})
		eligibility.missing_evidence == {sprintf("derived.%s", [figure])} with input as inp
		eligibility.pause_reasons == {"missing_evidence"} with input as inp
	}
}

test_missing_evidence_an_absent_figure_is_underivable_too if {
	inp := {
		"case": fixtures.base_case,
		"derived": object.remove(fixtures.base_derived, {"margin_after_offer_pct"}),
		"history": fixtures.base_history,
	}
	eligibility.missing_evidence == {"derived.margin_after_offer_pct"} with input as inp
}

test_missing_evidence_credit_share_overflowing_on_a_tiny_arr_is_underivable if {
	# 3,000 on 5e-324 overflows a float: the service sends no share, concession or margin.
	inp := fixtures.case_input(
		{"account": {"arr": 5e-324}},
		{"credit_share_pct": null, "concession_pct": null, "margin_after_offer_pct": null},
	)
	eligibility.missing_evidence == {
		"derived.concession_pct",
		"derived.credit_share_pct",
		"derived.margin_after_offer_pct",
	} with input as inp
	eligibility.pause_reasons == {"missing_evidence"} with input as inp
	eligibility.explanations == {
		{
			"rule": "pause.missing_evidence",
			"message": concat("", [
				"Evidence is missing: derived.concession_pct, derived.credit_share_pct, ",
				"derived.margin_after_offer_pct.",
			]),
		},
		{
			"rule": "pause.underivable_figures",
			"message": concat("", [
				"The offer's caps cannot be checked: concession_pct, credit_share_pct, ",
				"margin_after_offer_pct cannot be derived from the case's figures.",
			]),
		},
	} with input as inp
}

test_missing_evidence_a_missing_field_explains_its_underivable_figures if {
	# Without a gross margin there is no margin after the offer: the field is named, not the figure.
	inp := fixtures.case_input({"account": {"gross_margin_pct": null}}, {"margin_after_offer_pct": null})
	eligibility.missing_evidence == {"account.gross_margin_pct"} with input as inp
	eligibility.underivable_figures == {"margin_after_offer_pct"} with input as inp
	ids := _rule_ids with input as inp
	ids == {"pause.missing_evidence"}
}

test_missing_evidence_figures_of_an_offer_without_cost_are_not_needed if {
	inp := fixtures.case_input(
		{
			"customer_reason": {"category": "timing"},
			"proposed_offer": {"type": "pause", "duration_months": 2, "credit_amount": 0},
		},
		{"credit_share_pct": null, "concession_pct": null, "margin_after_offer_pct": null, "offer_cost": null},
	)
	eligibility.underivable_figures == set() with input as inp
	eligibility.missing_evidence == set() with input as inp
}

test_missing_evidence_a_credit_the_data_does_not_cost_still_needs_its_share if {
	# The credit caps apply to a credit costed or not (credit.max_pct): its share is still needed.
	inp := fixtures.case_input({"account": {"arr": 0}}, {"credit_share_pct": null})
	eligibility.missing_evidence == {"derived.credit_share_pct"} with input as inp
		with data.retention.config.evidence.costed_offer_types as ["discount"]
}

test_missing_evidence_gross_margin_missing_with_discount if {
	inp := fixtures.case_input(
		{
			"customer_reason": {"category": "price"},
			"account": {"gross_margin_pct": null},
			"proposed_offer": {"type": "discount", "discount_pct": 10, "duration_months": 6, "credit_amount": 0},
		},
		{},
	)
	missing := eligibility.missing_evidence with input as inp
	missing == {"account.gross_margin_pct"}
}

test_missing_evidence_gross_margin_missing_with_service_credit if {
	missing := eligibility.missing_evidence with input as fixtures.case_input({"account": {"gross_margin_pct": null}}, {})
	missing == {"account.gross_margin_pct"}
}

test_missing_evidence_gross_margin_not_needed_without_cost if {
	every offer_type in ["none", "pause", "extension", "plan_change", "re_onboarding"] {
		eligibility.missing_evidence == set() with input as fixtures.case_input(
			{
				"account": {"gross_margin_pct": null},
				"proposed_offer": {"type": offer_type, "credit_amount": 0},
			},
			{},
		)
	}
}

test_missing_evidence_zero_gross_margin_is_not_missing if {
	missing := eligibility.missing_evidence with input as fixtures.case_input({"account": {"gross_margin_pct": 0}}, {})
	missing == set()
}

test_missing_evidence_every_field_listed if {
	inp := fixtures.case_input(
		{
			"account": {"arr": null, "owner_id": null, "gross_margin_pct": null},
			"contract": {"status": null, "renewal_date": null},
			"evidence_as_of": null,
		},
		{"evidence_age_days": null, "days_to_renewal": null},
	)
	missing := eligibility.missing_evidence with input as inp
	missing == {
		"account.arr", "account.owner_id", "account.gross_margin_pct",
		"contract.status", "contract.renewal_date", "evidence_as_of",
	}
	reasons := eligibility.pause_reasons with input as inp
	reasons == {"missing_evidence"}
}

test_missing_evidence_explanation_lists_fields_sorted if {
	inp := fixtures.case_input({"account": {"owner_id": null, "arr": null}, "evidence_as_of": null}, {})
	explanations := eligibility.explanations with input as inp
	explanations == {{
		"rule": "pause.missing_evidence",
		"message": "Evidence is missing: account.arr, account.owner_id, evidence_as_of.",
	}}
}

# stale_evidence: older than 14 days

test_stale_evidence_at_limit_is_fresh if {
	reasons := eligibility.pause_reasons with input as _evidence_age(14)
	reasons == set()
}

test_stale_evidence_just_under_limit_is_fresh if {
	reasons := eligibility.pause_reasons with input as _evidence_age(13.9)
	reasons == set()
}

test_stale_evidence_just_over_limit_pauses if {
	reasons := eligibility.pause_reasons with input as _evidence_age(14.01)
	reasons == {"stale_evidence"}
}

test_stale_evidence_day_over_limit_pauses if {
	reasons := eligibility.pause_reasons with input as _evidence_age(15)
	reasons == {"stale_evidence"}
	explanations := eligibility.explanations with input as _evidence_age(15)
	explanations == {{
		"rule": "pause.stale_evidence",
		"message": "The evidence is 15 days old at decision time, older than the 14 days allowed.",
	}}
}

test_stale_evidence_unknown_age_is_not_stale if {
	reasons := eligibility.pause_reasons with input as _evidence_age(null)
	reasons == set()
}

# contradictory_evidence

test_contradictions_discount_pct_on_service_credit if {
	inp := fixtures.case_input({"proposed_offer": {"discount_pct": 5}}, {})
	contradictions := eligibility.contradictions with input as inp
	contradictions == {"discount_pct_on_non_discount_offer"}
	reasons := eligibility.pause_reasons with input as inp
	reasons == {"contradictory_evidence"}
	explanations := eligibility.explanations with input as inp
	explanations == {{
		"rule": "pause.contradictory_evidence",
		"message": "The evidence contradicts itself: discount_pct_on_non_discount_offer.",
	}}
}

test_contradictions_smallest_discount_pct_on_non_discount_offer if {
	inp := fixtures.case_input({"proposed_offer": {"type": "re_onboarding", "credit_amount": 0, "discount_pct": 0.5}}, {})
	contradictions := eligibility.contradictions with input as inp
	contradictions == {"discount_pct_on_non_discount_offer"}
}

test_contradictions_zero_discount_pct_on_non_discount_offer_is_consistent if {
	inp := fixtures.case_input({"proposed_offer": {"discount_pct": 0}}, {})
	contradictions := eligibility.contradictions with input as inp
	contradictions == set()
}

test_contradictions_discount_pct_on_discount_offer_is_consistent if {
	inp := fixtures.case_input(
		{
			"customer_reason": {"category": "price"},
			"proposed_offer": {"type": "discount", "discount_pct": 10, "duration_months": 6, "credit_amount": 0},
		},
		{},
	)
	contradictions := eligibility.contradictions with input as inp
	contradictions == set()
	reasons := eligibility.pause_reasons with input as inp
	reasons == set()
}

test_contradictions_active_contract_renewal_past if {
	inp := _renewal("active", -1)
	contradictions := eligibility.contradictions with input as inp
	contradictions == {"active_contract_renewal_date_past"}
	reasons := eligibility.pause_reasons with input as inp
	reasons == {"contradictory_evidence"}
}

test_contradictions_active_contract_renewal_today_is_consistent if {
	contradictions := eligibility.contradictions with input as _renewal("active", 0)
	contradictions == set()
}

test_contradictions_active_contract_renewal_tomorrow_is_consistent if {
	contradictions := eligibility.contradictions with input as _renewal("active", 1)
	contradictions == set()
}

test_contradictions_ended_contract_renewal_past_is_consistent if {
	every status in ["in_notice", "expired", "cancelled"] {
		eligibility.contradictions == set() with input as _renewal(status, -30)
	}
}

test_contradictions_unknown_days_to_renewal_is_consistent if {
	contradictions := eligibility.contradictions with input as _renewal("active", null)
	contradictions == set()
}

test_contradictions_both_listed_in_explanation if {
	inp := fixtures.case_input({"proposed_offer": {"discount_pct": 5}}, {"days_to_renewal": -3})
	contradictions := eligibility.contradictions with input as inp
	contradictions == {"discount_pct_on_non_discount_offer", "active_contract_renewal_date_past"}
	explanations := eligibility.explanations with input as inp
	explanations == {{
		"rule": "pause.contradictory_evidence",
		"message": concat("", [
			"The evidence contradicts itself: ",
			"active_contract_renewal_date_past, discount_pct_on_non_discount_offer.",
		]),
	}}
}

# Every pause reason at once

test_pause_reasons_all_listed_together if {
	inp := fixtures.case_input(
		{
			"customer_reason": {"text": "Thinking about our options.", "sentiment": "angry"},
			"account": {"arr": null},
			"proposed_offer": {"discount_pct": 5},
		},
		{"evidence_age_days": 20},
	)
	reasons := eligibility.pause_reasons with input as inp
	reasons == {"reason_unclear", "emotionally_charged", "missing_evidence", "stale_evidence", "contradictory_evidence"}
	ids := _rule_ids with input as inp
	ids == {
		"pause.reason_unclear", "pause.emotionally_charged", "pause.missing_evidence",
		"pause.stale_evidence", "pause.contradictory_evidence",
	}
}
