# Save option drafts, priced and routed
#
# Prices a drafted offer as the service prices the proposed one (credit
# share of ARR, margin left after the offer, offer cost) and finds the
# approval chain it would need, through the same threshold checks the
# decision uses (offers, margin, history, legal, escalation, approval).
package retention.alternatives

import data.retention.approval
import data.retention.escalation
import data.retention.history
import data.retention.legal
import data.retention.margin
import data.retention.offers

_config := data.retention.config

_account := input.case.account

# The whole of the revenue, as a percentage of it (as in retention.margin).
_all_revenue_pct := 100

_costed(offer) if offer.type in _config.evidence.costed_offer_types

# The proposed offer's terms (contract or scope change, non-standard terms, a
# promise already made) are facts of the conversation, not of the option: a
# draft keeps them, so its chain is the one a revision with it would get.
_terms[flag] := object.get(input.case.proposed_offer, flag, false) if {
	some flag in _config.legal.review_flags
}

# METADATA
# title: A drafted offer
# description: >-
#   An offer of the given type and parameters, with the proposed offer's
#   terms, in the shape the case carries its proposed offer.
draft_offer(offer_type, pct, months, amount) := object.union(
	_terms,
	{"type": offer_type, "discount_pct": pct, "duration_months": months, "credit_amount": amount},
)

_tier(offer) := offers.tier_of(offer.discount_pct) if {
	offer.type == "discount"
	offer.discount_pct > 0
} else := "none"

_share(offer) := (100 * offer.credit_amount) / _account.arr if {
	offer.type == "service_credit"
} else := 0

_concession(offer) := offer.discount_pct if {
	offer.type == "discount"
} else := _share(offer)

# The domain brief's margin formula, as app/cases/evidence.py computes it.
_margin(offer) := 100 * (1 - ((100 - _account.gross_margin_pct) / (100 - _concession(offer)))) if {
	_costed(offer)
} else := _account.gross_margin_pct

# A discount costs ARR / 12 x d / 100 x months, in cents as the service rounds it.
_cost(offer) := round(((_account.arr * offer.discount_pct) * offer.duration_months) / 12) / 100 if {
	offer.type == "discount"
} else := offer.credit_amount if {
	offer.type == "service_credit"
} else := 0

# The margin after a concession of pct percent equals threshold_pct exactly.
# The service's floating-point figure for such an offer may land a hair
# either side of the threshold, so a draft never sits exactly on one.
_margin_exactly(pct, threshold_pct) if {
	(100 - _account.gross_margin_pct) * 100 == (100 - threshold_pct) * (100 - pct)
}

# METADATA
# scope: document
# title: Margin on a threshold
# description: >-
#   The concession (a discount percentage or a credit share of ARR) leaves a
#   margin exactly on the floor or on the executive threshold.
on_margin_threshold(pct) if _margin_exactly(pct, _config.margin.floor_pct)

on_margin_threshold(pct) if _margin_exactly(pct, _config.margin.executive_below_pct)

# The figures of a draft, priced once: its tier, credit share, margin and cost.
_figures(offer) := {
	"tier": _tier(offer),
	"share": _share(offer),
	"margin": _margin(offer),
	"cost": _cost(offer),
}

# Who reviews and how far a draft escalates: the same threshold checks the
# decision uses (approval, offers, margin, legal, history, escalation),
# combined as approval.parallel_review and escalation.executive_reasons
# combine them for the proposed offer. The policy tests decide every draft
# again (alternatives_test) and prove the two agree.
_finance(_, figures) if approval.finance_tier(figures.tier)

_finance(offer, figures) if {
	offer.type == "service_credit"
	offers.credit_over_finance(figures.share)
}

_finance(offer, _) if {
	_concession_needs_finance
	history.concession_type(offer.type)
}

# Finance reviews any concession for this account: past due, or a repeat concession.
_concession_needs_finance if approval.past_due

_concession_needs_finance if history.repeat_concessions

_reviewers(offer, figures) := (finance | revops) | legal_review if {
	finance := {"finance" | _finance(offer, figures)}
	revops := {"revops" | approval.revops_tier(figures.tier)}
	legal_review := {"legal" | count(legal.offer_triggers(offer)) > 0}
}

_executive_reasons(offer, figures) := ((case_reasons | tier) | (margin_pct | credit)) | cost if {
	case_reasons := escalation.case_executive_reasons
	tier := {"strategic_discount" | escalation.tier_needs_executive(figures.tier)}
	margin_pct := {"margin" | _margin_needs_executive(offer, figures)}
	credit := {"credit" | _credit_needs_executive(offer, figures)}
	cost := {"offer_cost" | margin.cost_over_executive(figures.cost)}
}

_margin_needs_executive(offer, figures) if {
	_costed(offer)
	margin.below_executive(figures.margin)
}

_credit_needs_executive(offer, figures) if {
	offer.type == "service_credit"
	offers.credit_over_executive(figures.share)
}

_stage_text(stage) := concat(" and ", stage.roles)

# METADATA
# title: Chain in words
# description: The approval chain's stages in order, each stage's roles joined, for a person to read.
chain_text(chain) := concat(", then ", [_stage_text(stage) | some stage in chain])

# METADATA
# title: A drafted option
# description: >-
#   The drafted offer with its discount tier, credit share of ARR, margin
#   after the offer, cost, escalation level and the approval chain deciding
#   it again would route it to.
draft(offer) := routed_draft(offer, route_of(offer))

# METADATA
# title: A drafted option, already routed
# description: The drafted option for an offer whose figures, reviewers and level are known (route_of).
routed_draft(offer, route) := {
	"offer": offer,
	"discount_tier": route.figures.tier,
	"credit_share_pct": round(route.figures.share * 100) / 100,
	"margin_after_offer_pct": _shown(route.figures.margin),
	"offer_cost": route.figures.cost,
	"escalation_level": route.level,
	"approval_chain": approval.chain_of(route.reviewers, route.level),
}

# METADATA
# title: What a draft's chain depends on
# description: >-
#   The draft's figures, the parallel reviewers it needs and its escalation level.
route_of(offer) := {"figures": figures, "reviewers": _reviewers(offer, figures), "level": level} if {
	figures := _figures(offer)
	level := escalation.level_of(_executive_reasons(offer, figures))
}

_shown(margin_pct) := round(margin_pct * 100) / 100 if {
	is_number(margin_pct)
} else := null

# METADATA
# title: Roles in a chain
# description: Every role of the chain, stage by stage.
roles_of(chain) := [role | some stage in chain; some role in stage.roles]
