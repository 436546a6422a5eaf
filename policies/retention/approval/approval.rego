# METADATA
# title: Approval chain
# description: >-
#   Decides who must approve a routed offer and how fast: the account owner
#   first; then finance, revops and legal in parallel where they apply
#   (finance also for a repeat concession); then the executive or CS
#   leadership the escalation calls for. Each stage has a deadline that
#   shortens as the renewal date nears.
package retention.approval

import data.retention.escalation
import data.retention.history
import data.retention.legal
import data.retention.offers

_config := data.retention.config.approval

_offer := input.case.proposed_offer

_days_to_renewal := input.derived.days_to_renewal if is_number(input.derived.days_to_renewal)

# METADATA
# scope: document
# title: Parallel review roles
# description: Roles that review in the second stage, in parallel, each for the reasons listed.
parallel_review contains ["finance", "tier"] if finance_tier(offers.discount_tier)

parallel_review contains ["finance", "credit"] if offers.credit_needs_finance

parallel_review contains ["finance", "past_due"] if {
	_offer.type in data.retention.config.offers.concession_types
	past_due
}

parallel_review contains ["finance", "repeat_concession"] if history.concession_needs_finance

parallel_review contains ["revops", "tier"] if revops_tier(offers.discount_tier)

parallel_review contains ["legal", "legal_review"] if legal.review_required

# METADATA
# title: Tier finance reviews
# description: A discount tier finance reviews (approval.finance_tiers).
finance_tier(tier) if tier in _config.finance_tiers

# METADATA
# title: Tier revops reviews
# description: A discount tier revenue operations reviews (approval.revops_tiers).
revops_tier(tier) if tier in _config.revops_tiers

# METADATA
# title: Account past due
# description: >-
#   The account is more than approval.finance_past_due_over_days days past
#   due, so finance reviews any concession.
past_due if input.case.billing.past_due_days > _config.finance_past_due_over_days

_reviewer_roles contains role if some [role, _] in parallel_review

# In the data's order (approval.parallel_roles), so every chain reads the same
# way; a reviewer the data does not order still reviews, after the ordered ones.
_ordered(reviewers) := array.concat(
	[role | some role in _config.parallel_roles; role in reviewers],
	sort([role | some role in reviewers; not role in _config.parallel_roles]),
)

_deadlines := [deadline.sla_hours |
	some deadline in _config.deadlines
	_days_to_renewal <= deadline.renewal_within_days
]

# METADATA
# scope: document
# title: Stage deadline
# description: >-
#   Hours each stage has: the tightest deadline (approval.deadlines) whose
#   renewal window the case is within, else the default
#   (approval.default_sla_hours). With no default in the data there is no
#   deadline and no chain, and the service refuses the decision rather than
#   guess one.
sla_hours := min(_deadlines) if {
	count(_deadlines) > 0
} else := _config.default_sla_hours

_stages(role_lists) := [{"stage": i + 1, "roles": roles, "mode": "all", "sla_hours": sla_hours} |
	some i, roles in [roles | some roles in role_lists; count(roles) > 0]
]

# METADATA
# title: Routed approval chain
# description: >-
#   The ordered stages a routed offer goes through: the owner role
#   (approval.owner_role), the parallel reviewers that apply, then the roles
#   of the escalation level (approval.escalation_roles); empty stages are left out.
routed_chain := chain_of(_reviewer_roles, escalation.level)

# METADATA
# title: Approval chain for reviewers and a level
# description: >-
#   The stages an offer with these parallel reviewers and this escalation
#   level goes through: the owner role, the reviewers in the data's order,
#   then the roles of the level; the same for the proposed offer and for
#   every drafted alternative.
chain_of(reviewers, level) := _stages([
	[_config.owner_role],
	_ordered(reviewers),
	_config.escalation_roles[level],
])

# METADATA
# title: Owner-only chain
# description: A paused or declined case goes back to the owner role (approval.owner_role) alone.
owner_chain := _stages([[_config.owner_role]])

_reason_messages := {
	"tier": sprintf("the discount is in the %s tier", [offers.discount_tier]),
	"credit": "the credit is over the finance share of ARR",
	"past_due": sprintf("the account is more than %v days past due", [_config.finance_past_due_over_days]),
	"legal_review": "legal review is required",
	"repeat_concession": sprintf(
		"the account already had %v or more concessions authorized in the history window",
		[data.retention.config.history.finance_at_prior_concessions],
	),
}

# METADATA
# scope: document
# title: Approval explanations
# description: Why each parallel reviewer is in the chain and which deadline applies.
explanations contains {
	"rule": sprintf("chain.%s.%s", [role, reason]),
	"message": sprintf("%s reviews because %s.", [role, why]),
} if {
	some [role, reason] in parallel_review
	why := _reason_messages[reason]
}

explanations contains {
	"rule": "chain.deadline",
	"message": sprintf("Each stage is due within %v hours.", [sla_hours]),
}
