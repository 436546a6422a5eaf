package retention.scenarios.examples_test

import data.retention.fixtures
import data.retention.scenarios.helpers

_northwind_input := {
	"case": _northwind_case,
	"history": fixtures.base_history,
	"derived": {
		"decision_time": helpers.decision_time, "days_to_renewal": 70, "evidence_age_days": 2,
		"tenure_months": 45, "credit_share_pct": 3.5714, "concession_pct": 3.5714,
		"margin_after_offer_pct": 70.963, "offer_cost": 3000,
	},
}

_contoso_input := {
	"case": _contoso_case,
	"history": fixtures.base_history,
	"derived": {
		"decision_time": helpers.decision_time, "days_to_renewal": 49, "evidence_age_days": 4.1667,
		"tenure_months": 65, "credit_share_pct": 0, "concession_pct": 22,
		"margin_after_offer_pct": 71.7949, "offer_cost": 68200,
	},
}

# Northwind, 84,000 ARR at 72% margin, a service reason: a credit is capped at
# 25% of ARR (21,000), well inside the margin floor (a 60% concession); at
# 21,000 the margin is 100 x (1 - 28/75) = 62.67%, the share over 15% brings
# an executive and over 5% finance. Up to 5% (4,200) needs the owner only, up
# to 15% (12,600) adds finance.
test_alternatives_example_slow_delivery_drafts_credits_by_band_after_free_options if {
	drafts := data.retention.decision.alternatives with input as _northwind_input
	drafts.status == "drafted"
	helpers.option_briefs(drafts) == [
		["none", 0, 0, 0, [["account_owner"]]],
		["re_onboarding", 0, 0, 0, [["account_owner"]]],
		["service_credit", 0, 0, 21000, [["account_owner"], ["finance"], ["executive"]]],
	]
	credit := drafts.options[2]
	[credit.margin_after_offer_pct, credit.offer_cost, credit.credit_share_pct] == [62.67, 21000, 25]
	helpers.step_briefs(credit) == [
		["service_credit", 0, 0, 4200, [["account_owner"]]],
		["service_credit", 0, 0, 12600, [["account_owner"], ["finance"]]],
	]
	helpers.not_allowed_rules(drafts) == {
		"discount": ["offer.not_approved_for_reason"],
		"pause": ["offer.not_approved_for_reason"],
		"extension": ["offer.not_approved_for_reason"],
		"plan_change": ["offer.not_approved_for_reason"],
	}
	helpers.draft_brief(drafts.nearest) == ["service_credit", 0, 0, 3000, [["account_owner"]]]
}

# Contoso, enterprise, 310,000 ARR at 78%: the highest tier and the segment
# cap are both 30%, the margin floor would allow 68%; 30% for 24 months costs
# 310,000 / 12 x 30% x 24 = 186,000, margin 100 x (1 - 22/70) = 68.57%.
# ARR over 250,000 keeps the executive in every chain; 10% for 12 months
# (31,000) needs no one else, 20% adds finance, over 12 months adds legal.
test_alternatives_example_price_objection_drafts_discount_limit_and_shorter_chains if {
	drafts := data.retention.decision.alternatives with input as _contoso_input
	helpers.option_briefs(drafts) == [
		["none", 0, 0, 0, [["account_owner"], ["executive"]]],
		["plan_change", 0, 0, 0, [["account_owner"], ["executive"]]],
		["discount", 30, 24, 0, [["account_owner"], ["finance", "revops", "legal"], ["executive"]]],
	]
	discount := drafts.options[2]
	[discount.discount_tier, discount.margin_after_offer_pct, discount.offer_cost] == ["strategic", 68.57, 186000]
	helpers.step_briefs(discount) == [
		["discount", 10, 12, 0, [["account_owner"], ["executive"]]],
		["discount", 10, 24, 0, [["account_owner"], ["legal"], ["executive"]]],
		["discount", 20, 12, 0, [["account_owner"], ["finance"], ["executive"]]],
		["discount", 30, 12, 0, [["account_owner"], ["finance", "revops"], ["executive"]]],
		["discount", 20, 24, 0, [["account_owner"], ["finance", "legal"], ["executive"]]],
	]
	helpers.draft_brief(drafts.nearest) == [
		"discount", 22, 12, 0,
		[["account_owner"], ["finance", "revops"], ["executive"]],
	]
}

test_alternatives_example_paused_case_has_none_until_resolved if {
	drafts := data.retention.decision.alternatives with input as {
		"case": _fabrikam_case,
		"history": fixtures.base_history,
		"derived": {
			"decision_time": helpers.decision_time, "days_to_renewal": 9, "evidence_age_days": 0.7917,
			"tenure_months": 14, "credit_share_pct": 0, "concession_pct": 10,
			"margin_after_offer_pct": null, "offer_cost": 240,
		},
	}
	drafts == {
		"status": "paused",
		"message": "The case is paused; save options are drafted once its pause is resolved.",
		"options": [],
		"not_allowed": [],
		"nearest": null,
	}
}

# Each draft of the examples, decided again with its own figures, routes with exactly its chain.
test_alternatives_example_drafts_decided_again_route_with_their_chains if {
	every case_input in {"northwind": _northwind_input, "contoso": _contoso_input} {
		drafts := data.retention.decision.alternatives with input as case_input
		count(drafts.options) > 0
		every option in helpers.every_draft(drafts) {
			figures := data.retention.alternatives.route_of(option.offer).figures with input as case_input
			again := data.retention.decision with input as helpers.revised(case_input, option.offer, figures)
			helpers.routes_as_promised(again, option)
		}
	}
}
