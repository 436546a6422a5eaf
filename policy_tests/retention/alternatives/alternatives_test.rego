# METADATA
# title: Save option drafts at the boundaries
# description: >-
#   The alternatives package against limits computed by hand from the data:
#   segment caps, tier ceilings, the margin floor and executive threshold
#   (exactly on them too), credit bands, and the account's history; each
#   draft decided again routes with exactly the chain it promised.
package retention.alternatives_test

import data.retention.fixtures
import data.retention.scenarios.helpers

_price(account, pct, margin_after) := fixtures.case_input(
	{"account": account, "customer_reason": helpers.price_reason, "proposed_offer": helpers.discount(pct, 12)},
	helpers.discount_facts(pct, margin_after, 1),
)

_value(account, history) := fixtures.history_input(
	{"account": account, "customer_reason": helpers.value_reason, "proposed_offer": helpers.offer("re_onboarding", 0)},
	helpers.no_cost_facts(object.get(account, "gross_margin_pct", 72)),
	history,
)

_option(drafts, offer_type) := [option | some option in drafts.options; option.offer.type == offer_type][0]

# SMB, 12,000 ARR at 75%: the 15% segment cap binds (elevated tier: finance);
# 24 months is over 12 (legal). 15% for 24 months costs 3,600, margin
# 100 x (1 - 25/85) = 70.59%. 10% for 12 months needs the owner only, 15% for
# 12 months adds finance, 10% for 24 months adds legal.
test_alternatives_segment_cap_and_tiers_bound_the_discount if {
	case_input := _price(helpers.smb, 10, 72.22)
	drafts := data.retention.decision.alternatives with input as case_input
	helpers.option_briefs(drafts) == [
		["none", 0, 0, 0, [["account_owner"]]],
		["plan_change", 0, 0, 0, [["account_owner"]]],
		["discount", 15, 24, 0, [["account_owner"], ["finance", "legal"]]],
	]
	discount := _option(drafts, "discount")
	[discount.discount_tier, discount.margin_after_offer_pct, discount.offer_cost] == ["elevated", 70.59, 3600]
	helpers.step_briefs(discount) == [
		["discount", 10, 12, 0, [["account_owner"]]],
		["discount", 15, 12, 0, [["account_owner"], ["finance"]]],
		["discount", 10, 24, 0, [["account_owner"], ["legal"]]],
	]
}

# Mid-market at 40% margin: the floor allows 100 - 100 x 60/70 = 14.29%, so
# 14% (margin 30.23%, under 50: an executive in every discount chain).
test_alternatives_margin_floor_bounds_the_discount if {
	case_input := _price({"gross_margin_pct": 40}, 10, 33.33)
	drafts := data.retention.decision.alternatives with input as case_input
	discount := _option(drafts, "discount")
	helpers.draft_brief(discount) == ["discount", 14, 24, 0, [["account_owner"], ["finance", "legal"], ["executive"]]]
	[discount.margin_after_offer_pct, discount.offer_cost] == [30.23, 23520]
	helpers.step_briefs(discount) == [
		["discount", 10, 12, 0, [["account_owner"], ["executive"]]],
		["discount", 14, 12, 0, [["account_owner"], ["finance"], ["executive"]]],
		["discount", 10, 24, 0, [["account_owner"], ["legal"], ["executive"]]],
	]
}

# At 51% margin the floor is exactly 30%: 100 x (1 - 49/70) = 30. The
# service's figure may read a hair under it, so the draft stops at 29%.
test_alternatives_never_drafts_exactly_on_the_margin_floor if {
	case_input := _price({"segment": "enterprise", "arr": 200000, "gross_margin_pct": 51}, 10, 45.56)
	drafts := data.retention.decision.alternatives with input as case_input
	discount := _option(drafts, "discount")
	[discount.offer.discount_pct, discount.margin_after_offer_pct] == [29, 30.99]
}

# At 55% margin a 10% discount leaves exactly 50%, the executive threshold:
# the owner-only draft is 9% (margin 50.55%), the limit the 25% cap.
test_alternatives_never_drafts_exactly_on_the_executive_margin if {
	case_input := _price({"gross_margin_pct": 55}, 10, 50)
	drafts := data.retention.decision.alternatives with input as case_input
	discount := _option(drafts, "discount")
	discount.offer.discount_pct == 25
	helpers.step_briefs(discount)[0] == ["discount", 9, 12, 0, [["account_owner"]]]
	discount.shorter_chains[0].margin_after_offer_pct == 50.55
}

# 100,000 ARR at 40%: the floor allows a credit of 14.29% of ARR, 14,285
# (under the 25% cap): over 5% brings finance, the margin under 50% an
# executive. A credit of 5% (5,000) drops finance.
test_alternatives_credit_bands_and_margin_floor_bound_the_credit if {
	case_input := _value({"arr": 100000, "gross_margin_pct": 40}, {})
	drafts := data.retention.decision.alternatives with input as case_input
	credit := _option(drafts, "service_credit")
	helpers.draft_brief(credit) == ["service_credit", 0, 0, 14285, [["account_owner"], ["finance"], ["executive"]]]
	helpers.step_briefs(credit) == [["service_credit", 0, 0, 5000, [["account_owner"], ["executive"]]]]
	helpers.draft_brief(_option(drafts, "pause")) == ["pause", 0, 3, 0, [["account_owner"]]]
}

test_alternatives_repeat_concession_brings_finance_to_every_concession if {
	case_input := _value({}, {"concessions": {"count": 1}})
	drafts := data.retention.decision.alternatives with input as case_input
	helpers.draft_brief(_option(drafts, "pause")) == ["pause", 0, 3, 0, [["account_owner"], ["finance"]]]
	helpers.draft_brief(_option(drafts, "re_onboarding")) == ["re_onboarding", 0, 0, 0, [["account_owner"]]]
}

test_alternatives_concession_limit_leaves_only_what_concedes_nothing if {
	drafts := data.retention.decision.alternatives with input as _value({}, {"concessions": {"count": 2}})
	[option.offer.type | some option in drafts.options] == ["none", "re_onboarding"]
	helpers.not_allowed_rules(drafts) == {
		"discount": ["history.repeat_concession_limit"],
		"service_credit": ["history.repeat_concession_limit"],
		"pause": ["history.repeat_concession_limit"],
		"extension": ["history.repeat_concession_limit", "offer.not_approved_for_reason"],
		"plan_change": ["history.repeat_concession_limit"],
	}
}

test_alternatives_running_discount_and_poor_fit_rule_out_their_offers if {
	running_input := _value({}, {"discount": {"running": true, "ends_on": "2027-03-01"}})
	running := data.retention.decision.alternatives with input as running_input
	helpers.not_allowed_rules(running).discount == ["history.discount_already_active"]
	poor := data.retention.decision.alternatives with input as _value({"icp_fit": "poor"}, {})
	helpers.not_allowed_rules(poor).discount == ["offer.unprofitable_fit"]
	helpers.not_allowed_rules(poor).service_credit == ["offer.unprofitable_fit"]
}

test_alternatives_without_margin_or_history_the_affected_offers_are_not_drafted if {
	no_margin := data.retention.decision.alternatives with input as _value({"gross_margin_pct": null}, {})
	helpers.not_allowed_rules(no_margin).discount == ["pause.missing_evidence"]
	_option(no_margin, "none").margin_after_offer_pct == null
	_option(no_margin, "pause").offer.duration_months == 3
	no_history := data.retention.decision.alternatives with input as object.union(_value({}, {}), {"history": null})
	helpers.not_allowed_rules(no_history).pause == ["history.missing"]
	[option.offer.type | some option in no_history.options] == ["none", "re_onboarding"]
}

_past_due := object.union(_value({}, {}), {"case": {"billing": {"past_due_days": 120}}})

test_alternatives_case_level_escalations_reach_every_draft if {
	case_input := _value({}, {"regretted_saves": 1})
	drafts := data.retention.decision.alternatives with input as case_input
	every option in drafts.options {
		option.approval_chain[count(option.approval_chain) - 1].roles == ["executive"]
	}
	past_due_drafts := data.retention.decision.alternatives with input as _past_due
	helpers.draft_brief(_option(past_due_drafts, "pause")) == ["pause", 0, 3, 0, [["account_owner"], ["finance"]]]
}

test_alternatives_nearest_draft_cuts_the_proposal_back_to_what_routes if {
	over_cap := data.retention.decision.alternatives with input as _price(helpers.smb, 18, 69.51)
	helpers.draft_brief(over_cap.nearest) == ["discount", 15, 12, 0, [["account_owner"], ["finance"]]]
	service_discount := fixtures.case_input({"proposed_offer": helpers.discount(10, 6)}, {})
	not_for_reason := data.retention.decision.alternatives with input as service_discount
	not_for_reason.nearest == null
}

_cases := {
	"segment cap": _price(helpers.smb, 10, 72.22),
	"margin floor": _price({"gross_margin_pct": 40}, 10, 33.33),
	"exactly on the floor": _price({"segment": "enterprise", "arr": 200000, "gross_margin_pct": 51}, 10, 45.56),
	"exactly on the executive margin": _price({"gross_margin_pct": 55}, 10, 50),
	"credit bands": _value({"arr": 100000, "gross_margin_pct": 40}, {}),
	"repeat concession": _value({}, {"concessions": {"count": 1}}),
	"regretted save": _value({}, {"regretted_saves": 1}),
	"past due": _past_due,
	"urgent renewal": object.union(_price(helpers.enterprise, 10, 77.78), {
		"case": {"risk": {"churn_score": 90}},
		"derived": {"days_to_renewal": 10},
	}),
}

# Each draft, decided again with its own figures, routes with exactly its chain.
test_alternatives_every_draft_decided_again_routes_with_its_chain if {
	every case_input in _cases {
		drafts := data.retention.decision.alternatives with input as case_input
		count(drafts.options) > 0
		every option in helpers.every_draft(drafts) {
			figures := data.retention.alternatives.route_of(option.offer).figures with input as case_input
			again := data.retention.decision with input as helpers.revised(case_input, option.offer, figures)
			helpers.routes_as_promised(again, option)
		}
	}
}

# 25% gross margin is under the 30% floor: any discount or credit breaks it.
test_alternatives_margin_under_the_floor_rules_out_discounts_and_credits if {
	drafts := data.retention.decision.alternatives with input as _value({"gross_margin_pct": 25}, {})
	helpers.not_allowed_rules(drafts).discount == ["margin.floor"]
	helpers.not_allowed_rules(drafts).service_credit == ["margin.floor"]
}

# Caps set to zero in the data leave no whole unit of the offer.
test_alternatives_caps_of_zero_leave_nothing_to_draft if {
	drafts := data.retention.decision.alternatives with input as _value({"segment": "smb"}, {})
		with data.retention.config.discount.segment_caps.smb as 0
		with data.retention.config.credit.max_pct as 0
		with data.retention.config.offers.max_pause_months as 0
	helpers.not_allowed_rules(drafts) == {
		"discount": ["offer.discount_above_segment_cap"],
		"service_credit": ["offer.credit_above_max"],
		"pause": ["offer.pause_too_long"],
		"extension": ["offer.not_approved_for_reason", "offer.pause_too_long"],
	}
}

test_alternatives_nearest_pause_and_credit_are_cut_back_to_the_limit if {
	long_pause := _value({}, {})
	pause := data.retention.decision.alternatives with input as long_pause
		with input.case.proposed_offer as helpers.offer("pause", 6)
	helpers.draft_brief(pause.nearest) == ["pause", 0, 3, 0, [["account_owner"]]]
	tiny_credit := data.retention.decision.alternatives with input as long_pause
		with input.case.proposed_offer as helpers.credit(0.5)
		with input.derived as object.union(long_pause.derived, helpers.credit_facts(0.0006, 72, 0.5))
	helpers.draft_brief(tiny_credit.nearest) == [
		"service_credit", 0, 0, 21000,
		[["account_owner"], ["finance"], ["executive"]],
	]
}
