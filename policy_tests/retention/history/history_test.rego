# METADATA
# title: Concession history tests
# description: >-
#   The account's concession history: which offers are concessions; finance
#   for a repeat concession and the decline at the limit, each just under and
#   at its threshold; a new discount while an earlier one runs; escalation
#   for a regretted save; a concession without readable history pauses while
#   other offers are unaffected; the explanations each rule adds; and the
#   whole decision for each.
package retention.history_test

import data.retention.fixtures
import data.retention.history

# The baseline service credit (3,000 on 84,000 ARR), a concession, with the given history.
_credit(history_patch) := fixtures.history_input({}, {}, history_patch)

# A price case with a 10% discount for 6 months (standard tier; margin 68.89%, cost 4,200), with the given history.
_discount(history_patch) := _discount_pct(10, 68.8889, 4200, history_patch)

# A price case with a discount of pct percent for 6 months on the baseline 84,000 ARR at 72% gross margin.
_discount_pct(pct, margin_after, cost, history_patch) := fixtures.history_input(
	{
		"customer_reason": {"category": "price"},
		"proposed_offer": {"type": "discount", "discount_pct": pct, "duration_months": 6, "credit_amount": 0},
	},
	{"credit_share_pct": 0, "concession_pct": pct, "margin_after_offer_pct": margin_after, "offer_cost": cost},
	history_patch,
)

# The baseline service complaint with an offer of the given type that costs nothing, with the given history.
_uncosted(type, history_patch) := fixtures.history_input(
	{"proposed_offer": {"type": type, "duration_months": 0, "credit_amount": 0}},
	{"credit_share_pct": 0, "concession_pct": 0, "margin_after_offer_pct": 72, "offer_cost": 0},
	history_patch,
)

# The given number of concessions authorized in the window.
_prior(n) := {"concessions": {"count": n, "total_cost": 2500 * n, "last_authorized_at": "2026-09-01T10:00:00Z"}}

_running(ends_on) := {"discount": {"running": true, "ends_on": ends_on}}

_regretted(n) := {"regretted_saves": n}

# An input without any history.
_without_history(inp) := object.remove(inp, {"history"})

# An input whose history is the given value.
_with_history(inp, value) := object.union(_without_history(inp), {"history": value})

_stage(n, roles, hours) := {"stage": n, "roles": roles, "mode": "all", "sla_hours": hours}

_owner_only := [_stage(1, ["account_owner"], 48)]

_rules(decision) := {e.rule | some e in decision.explanations}

# Concession (offers.concession_types)

test_concession_types_are_concessions if {
	history.concession with input as _credit({})
	history.concession with input as _discount({})
	every type in ["pause", "extension", "plan_change"] {
		history.concession with input as _uncosted(type, {})
	}
}

test_re_onboarding_and_no_offer_are_not_concessions if {
	not history.concession with input as _uncosted("re_onboarding", {})
	not history.concession with input as _uncosted("none", {})
}

# Finance for a repeat concession (history.finance_at_prior_concessions, 1 by default)

test_first_concession_needs_no_finance if {
	not history.concession_needs_finance with input as _credit(_prior(0))
}

test_second_concession_needs_finance if {
	history.concession_needs_finance with input as _credit(_prior(1))
	history.concession_needs_finance with input as _discount(_prior(1))
}

test_repeat_non_concession_needs_no_finance if {
	not history.concession_needs_finance with input as _uncosted("re_onboarding", _prior(5))
}

test_finance_threshold_follows_the_data if {
	not history.concession_needs_finance with input as _credit(_prior(1))
		with data.retention.config.history.finance_at_prior_concessions as 2
	history.concession_needs_finance with input as _credit(_prior(2))
		with data.retention.config.history.finance_at_prior_concessions as 2
}

test_finance_explanation_names_the_count_window_and_threshold if {
	{
		"rule": "history.finance",
		"message": concat("", [
			"This is a repeat concession (1 authorized for the account in the last 365 days, at or over 1), ",
			"so finance reviews it.",
		]),
	} in history.explanations with input as _credit(_prior(1))
}

# Repeat concession limit (history.limit_at_prior_concessions, 2 by default: the third is declined)

test_second_concession_is_under_the_limit if {
	history.violations == set() with input as _credit(_prior(1))
}

test_third_concession_is_declined if {
	history.violations == {"repeat_concession_limit"} with input as _credit(_prior(2))
	history.violations == {"repeat_concession_limit"} with input as _uncosted("pause", _prior(2))
}

test_fourth_concession_is_declined if {
	history.violations == {"repeat_concession_limit"} with input as _credit(_prior(3))
}

test_non_concession_after_many_concessions_is_not_declined if {
	history.violations == set() with input as _uncosted("re_onboarding", _prior(5))
	history.violations == set() with input as _uncosted("none", _prior(5))
}

test_limit_follows_the_data if {
	history.violations == set() with input as _credit(_prior(2))
		with data.retention.config.history.limit_at_prior_concessions as 3
	history.violations == {"repeat_concession_limit"} with input as _credit(_prior(1))
		with data.retention.config.history.limit_at_prior_concessions as 1
}

test_limit_explanation_names_the_count_window_and_limit if {
	{
		"rule": "history.repeat_concession_limit",
		"message": concat("", [
			"The account already had 2 concessions authorized in the last 365 days, ",
			"at or over the limit of 2, so a further one is declined.",
		]),
	} in history.explanations with input as _credit(_prior(2))
}

# A discount while an earlier discount is still running

test_discount_while_a_discount_runs_is_declined if {
	history.violations == {"discount_already_active"} with input as _discount(_running("2027-03-31"))
}

test_discount_when_no_discount_runs_is_not_declined if {
	history.violations == set() with input as _discount({"discount": {"running": false, "ends_on": "2026-10-31"}})
	history.violations == set() with input as _discount({})
}

test_other_offers_while_a_discount_runs_are_not_declined if {
	history.violations == set() with input as _credit(_running("2027-03-31"))
	history.violations == set() with input as _uncosted("plan_change", _running("2027-03-31"))
	history.violations == set() with input as _uncosted("re_onboarding", _running("2027-03-31"))
}

test_running_discount_explanation_names_its_end if {
	{
		"rule": "history.discount_already_active",
		"message": "A discount given earlier is still running until 2027-03-31, so a new discount is declined.",
	} in history.explanations with input as _discount(_running("2027-03-31"))
	{
		"rule": "history.discount_already_active",
		"message": "A discount given earlier is still running with no end date recorded, so a new discount is declined.",
	} in history.explanations with input as _discount(_running(null))
}

test_discount_after_many_concessions_while_one_runs_breaks_both_rules if {
	inp := _discount(object.union(_prior(2), _running("2027-03-31")))
	history.violations == {"repeat_concession_limit", "discount_already_active"} with input as inp
}

# Regretted saves

test_no_regretted_save_needs_no_executive if {
	not history.needs_executive with input as _credit(_regretted(0))
}

test_one_regretted_save_needs_an_executive if {
	history.needs_executive with input as _credit(_regretted(1))
	history.needs_executive with input as _uncosted("re_onboarding", _regretted(1))
	{
		"rule": "history.executive",
		"message": "An earlier save of this account was regretted (1 in all), so the case escalates to an executive.",
	} in history.explanations with input as _credit(_regretted(1))
}

# The baseline history fires no rule

test_baseline_history_fires_nothing if {
	history.violations == set() with input as _credit({})
	history.explanations == set() with input as _credit({})
	not history.missing with input as _credit({})
}

# Missing or unreadable history (fail closed)

test_concession_without_history_is_missing_it if {
	history.missing with input as _without_history(_credit({}))
	history.missing with input as _without_history(_discount({}))
	history.missing with input as _without_history(_uncosted("pause", {}))
	{
		"rule": "history.missing",
		"message": concat("", [
			"The account's concession history is missing or unreadable, so this offer cannot be checked ",
			"against earlier concessions; the case pauses until the service provides it.",
		]),
	} in history.explanations with input as _without_history(_credit({}))
}

test_non_concession_without_history_is_unaffected if {
	not history.missing with input as _without_history(_uncosted("re_onboarding", {}))
	not history.missing with input as _without_history(_uncosted("none", {}))
	history.explanations == set() with input as _without_history(_uncosted("re_onboarding", {}))
}

test_discount_needs_history_even_when_not_a_concession if {
	history.missing with input as _without_history(_discount({}))
		with data.retention.config.offers.concession_types as ["service_credit"]
}

test_malformed_history_is_missing_for_a_concession if {
	malformed := [
		"none",
		null,
		{},
		{"discount": {"running": false, "ends_on": null}, "regretted_saves": 0},
		object.union(fixtures.base_history, {"concessions": {"count": -1}}),
		object.union(fixtures.base_history, {"concessions": {"count": 1.5}}),
		object.union(fixtures.base_history, {"concessions": {"count": "1"}}),
		object.union(fixtures.base_history, {"concessions": {"count": null}}),
		object.union(fixtures.base_history, {"concessions": {"total_cost": -10}}),
		object.union(fixtures.base_history, {"concessions": {"total_cost": null}}),
		object.union(fixtures.base_history, {"concessions": {"last_authorized_at": "yesterday"}}),
		object.union(fixtures.base_history, {"concessions": {"last_authorized_at": "2026-09-01"}}),
		object.union(fixtures.base_history, {"concessions": {"last_authorized_at": 1767225600}}),
		object.union(fixtures.base_history, {"discount": {"running": "yes"}}),
		object.union(fixtures.base_history, {"discount": {"running": null}}),
		object.union(fixtures.base_history, {"discount": {"ends_on": "next month"}}),
		object.union(fixtures.base_history, {"discount": {"ends_on": "2027-13-01"}}),
		object.union(fixtures.base_history, {"discount": {"ends_on": "2027-03-31T00:00:00Z"}}),
		object.union(fixtures.base_history, {"regretted_saves": -1}),
		object.union(fixtures.base_history, {"regretted_saves": true}),
		object.remove(fixtures.base_history, {"regretted_saves"}),
		{"concessions": {"count": 0, "total_cost": 0}, "discount": {"running": false, "ends_on": null}, "regretted_saves": 0},
	]
	every value in malformed {
		history.missing with input as _with_history(_credit({}), value)
	}
}

test_well_formed_history_with_dates_is_readable if {
	value := {
		"concessions": {"count": 1, "total_cost": 1234.5, "last_authorized_at": "2026-09-01T10:00:00.5+02:00"},
		"discount": {"running": true, "ends_on": "2027-03-31"},
		"regretted_saves": 2,
	}
	not history.missing with input as _with_history(_credit({}), value)
}

test_unreadable_figures_fire_no_rule if {
	value := {
		"concessions": {"count": "3", "total_cost": 0, "last_authorized_at": null},
		"discount": {"running": "yes", "ends_on": null},
		"regretted_saves": "2",
	}
	history.violations == set() with input as _with_history(_discount({}), value)
	not history.concession_needs_finance with input as _with_history(_discount({}), value)
	not history.needs_executive with input as _with_history(_discount({}), value)
}

# The whole decision

test_decision_second_concession_routes_with_finance_in_stage_2 if {
	d := data.retention.decision with input as _credit(_prior(1))
	d.outcome == "route"
	d.violations == []
	d.approval_chain == [_stage(1, ["account_owner"], 48), _stage(2, ["finance"], 48)]
	{
		"rule": "chain.finance.repeat_concession",
		"message": concat("", [
			"finance reviews because the account already had 1 or more concessions ",
			"authorized in the history window.",
		]),
	} in d.explanations
	"history.finance" in _rules(d)
}

test_decision_first_concession_stays_with_the_owner if {
	d := data.retention.decision with input as _credit(_prior(0))
	d.outcome == "route"
	d.approval_chain == _owner_only
	not "history.finance" in _rules(d)
}

test_decision_repeat_elevated_discount_has_finance_once if {
	# 15% for 6 months: elevated tier, which brings finance in already; margin 67.06%, cost 6,300.
	d := data.retention.decision with input as _discount_pct(15, 67.0588, 6300, _prior(1))
	d.outcome == "route"
	d.approval_chain == [_stage(1, ["account_owner"], 48), _stage(2, ["finance"], 48)]
	{"chain.finance.tier", "chain.finance.repeat_concession"} - _rules(d) == set()
}

test_decision_third_concession_is_declined if {
	d := data.retention.decision with input as _credit(_prior(2))
	d.outcome == "decline"
	d.violations == ["repeat_concession_limit"]
	d.approval_chain == _owner_only
	d.explanations[0].rule == "outcome.decline"
	"history.repeat_concession_limit" in _rules(d)
}

test_decision_non_concession_after_many_concessions_routes if {
	d := data.retention.decision with input as _uncosted("re_onboarding", _prior(5))
	d.outcome == "route"
	d.violations == []
	d.approval_chain == _owner_only
}

test_decision_discount_while_a_discount_runs_is_declined if {
	d := data.retention.decision with input as _discount(_running("2027-03-31"))
	d.outcome == "decline"
	d.violations == ["discount_already_active"]
	d.approval_chain == _owner_only
	"history.discount_already_active" in _rules(d)
}

test_decision_discount_when_none_runs_routes if {
	d := data.retention.decision with input as _discount({"discount": {"running": false, "ends_on": null}})
	d.outcome == "route"
	d.violations == []
}

test_decision_regretted_save_escalates_to_an_executive if {
	d := data.retention.decision with input as _credit(_regretted(1))
	d.outcome == "route"
	d.escalation_level == "executive"
	d.approval_chain == [_stage(1, ["account_owner"], 48), _stage(2, ["executive"], 48)]
	{
		"rule": "escalation.executive.regretted_save",
		"message": "An earlier save of this account was regretted. The case escalates to an executive.",
	} in d.explanations
	"history.executive" in _rules(d)
}

test_decision_no_regretted_save_is_not_escalated if {
	d := data.retention.decision with input as _credit(_regretted(0))
	d.escalation_level == "none"
	d.approval_chain == _owner_only
}

test_decision_regretted_save_with_repeat_concession_puts_finance_in_2_and_executive_in_3 if {
	d := data.retention.decision with input as _credit(object.union(_prior(1), _regretted(1)))
	d.outcome == "route"
	d.escalation_level == "executive"
	d.approval_chain == [
		_stage(1, ["account_owner"], 48),
		_stage(2, ["finance"], 48),
		_stage(3, ["executive"], 48),
	]
}

test_decision_concession_without_history_pauses_naming_history if {
	d := data.retention.decision with input as _without_history(_credit({}))
	d.outcome == "pause"
	d.pause_reasons == ["missing_evidence"]
	d.missing_evidence == ["history"]
	d.violations == []
	d.approval_chain == _owner_only
	{"rule": "pause.missing_evidence", "message": "Evidence is missing: history."} in d.explanations
	"history.missing" in _rules(d)
}

test_decision_concession_with_malformed_history_pauses_naming_history if {
	d := data.retention.decision with input as _with_history(_credit({}), {"concessions": {"count": 1}})
	d.outcome == "pause"
	d.missing_evidence == ["history"]
}

test_decision_history_is_named_with_other_missing_fields if {
	d := data.retention.decision with input as _without_history(fixtures.case_input({"account": {"owner_id": null}}, {}))
	d.outcome == "pause"
	d.missing_evidence == ["account.owner_id", "history"]
}

test_decision_pause_for_missing_history_outranks_a_decline if {
	d := data.retention.decision with input as _with_history(
		_discount({}),
		{"concessions": {"count": 4}, "discount": {"running": true, "ends_on": null}},
	)
	d.outcome == "pause"
	d.missing_evidence == ["history"]
}

test_decision_non_concession_without_history_routes if {
	d := data.retention.decision with input as _without_history(_uncosted("re_onboarding", {}))
	d.outcome == "route"
	d.pause_reasons == []
	d.missing_evidence == []
	d.approval_chain == _owner_only
}
