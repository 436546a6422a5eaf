# METADATA
# title: Scenario helpers
# description: >-
#   The expected decision shape, approval chains, offers, derived facts and
#   customer reasons the whole-case scenarios are written with.
package retention.scenarios.helpers

decision_time := "2026-11-22T12:00:00Z"

# Every key except explanations, with the values a clean routed case has;
# each scenario overrides what its story changes.
expected(overrides) := object.union(
	{
		"outcome": "route",
		"discount_tier": "none",
		"legal_review_required": false,
		"escalation_level": "none",
		"urgent": false,
		"pause_reasons": [],
		"missing_evidence": [],
		"violations": [],
	},
	overrides,
)

# The save option drafts have tests of their own (alternatives_test).
without_explanations(decision) := object.remove(decision, {"explanations", "alternatives"})

rules(decision) := {e.rule | some e in decision.explanations}

chain(sla_hours, stages) := [{"stage": i + 1, "roles": roles, "mode": "all", "sla_hours": sla_hours} |
	some i, roles in stages
]

owner_only(sla_hours) := chain(sla_hours, [["account_owner"]])

discount(pct, months) := {"type": "discount", "discount_pct": pct, "duration_months": months, "credit_amount": 0}

credit(amount) := {"type": "service_credit", "discount_pct": 0, "duration_months": 0, "credit_amount": amount}

offer(type, months) := {"type": type, "discount_pct": 0, "duration_months": months, "credit_amount": 0}

discount_facts(pct, margin_after, cost) := {
	"credit_share_pct": 0,
	"concession_pct": pct,
	"margin_after_offer_pct": margin_after,
	"offer_cost": cost,
}

credit_facts(share, margin_after, amount) := {
	"credit_share_pct": share,
	"concession_pct": share,
	"margin_after_offer_pct": margin_after,
	"offer_cost": amount,
}

# An offer that costs nothing leaves the gross margin as it is.
no_cost_facts(gross_margin) := {
	"credit_share_pct": 0,
	"concession_pct": 0,
	"margin_after_offer_pct": gross_margin,
	"offer_cost": 0,
}

# An SMB account: 12,000 ARR (1,000 a month) at 75% gross margin.
smb := {"segment": "smb", "arr": 12000, "gross_margin_pct": 75}

# An enterprise account under the ARR executive threshold: 200,000 ARR at 80%.
enterprise := {"segment": "enterprise", "arr": 200000, "gross_margin_pct": 80}

price_reason := {
	"category": "price",
	"text": "The renewal quote is too expensive for our budget.",
	"sentiment": "calm",
}

timing_reason := {
	"category": null,
	"text": "A hiring freeze until next quarter means we cannot roll out now.",
	"sentiment": "calm",
}

relationship_reason := {
	"category": null,
	"text": "Our champion left and nobody called us for months.",
	"sentiment": "frustrated",
}

value_reason := {
	"category": null,
	"text": "We barely use it; adoption never took off.",
	"sentiment": "neutral",
}

fit_reason := {
	"category": null,
	"text": "The product has a feature gap on our integration requirements.",
	"sentiment": "neutral",
}

# A save option draft in brief: type, percent, months, amount, and the roles
# of each stage of its chain.
draft_brief(option) := [
	option.offer.type, option.offer.discount_pct, option.offer.duration_months, option.offer.credit_amount,
	[stage.roles | some stage in option.approval_chain],
]

option_briefs(drafts) := [draft_brief(option) | some option in drafts.options]

step_briefs(option) := [draft_brief(step) | some step in option.shorter_chains]

not_allowed_rules(drafts) := {entry.offer_type: entry.rules | some entry in drafts.not_allowed}

every_draft(drafts) := array.concat(
	[option | some option in drafts.options],
	[step | some option in drafts.options; some step in option.shorter_chains],
)

# The input with the draft proposed instead, its derived facts priced by the
# alternatives package itself (figures: data.retention.alternatives.route_of).
revised(case_input, offer, figures) := object.union(
	case_input,
	{"case": {"proposed_offer": offer}, "derived": _priced(offer, figures)},
)

_priced(offer, figures) := {
	"credit_share_pct": figures.share,
	"concession_pct": _concession(offer, figures),
	"margin_after_offer_pct": figures.margin,
	"offer_cost": figures.cost,
}

_concession(offer, _) := offer.discount_pct if offer.type == "discount"

_concession(offer, figures) := figures.share if offer.type == "service_credit"

_concession(offer, _) := 0 if not offer.type in {"discount", "service_credit"}

# The decision for the revised case routes with exactly the draft's chain.
routes_as_promised(decision, option) if {
	decision.outcome == "route"
	decision.approval_chain == option.approval_chain
	decision.discount_tier == option.discount_tier
	decision.escalation_level == option.escalation_level
}
