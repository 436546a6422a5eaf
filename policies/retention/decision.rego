# METADATA
# title: Save-offer decisions
# description: >-
#   Composes the retention policy: classify the reason, check the evidence,
#   judge the offer against the guidelines and the account's concession
#   history, guard margin, decide legal review and escalation, and build the
#   approval chain. People decide every offer; this policy only routes,
#   pauses or declines.
package retention

import data.retention.alternatives
import data.retention.approval
import data.retention.classification
import data.retention.eligibility
import data.retention.escalation
import data.retention.history
import data.retention.legal
import data.retention.margin
import data.retention.offers

# METADATA
# title: Violations
# description: Every guideline the proposed offer breaks, from the offer, margin and history rules.
violations := (offers.violations | margin.violations) | history.violations

# METADATA
# scope: document
# title: Outcome
# description: >-
#   pause when any pause reason applies; otherwise decline when the offer
#   breaks any guideline; otherwise route the offer to its approval chain.
default outcome := "route"

outcome := "pause" if {
	count(eligibility.pause_reasons) > 0
} else := "decline" if {
	count(violations) > 0
}

# An unclear reason has no save path; the document says so with null.
default _save_path := null

_save_path := classification.save_path

# METADATA
# scope: document
# title: Approval chain
# description: >-
#   The routed chain when the offer routes; a paused or declined case goes
#   back to the account owner alone.
approval_chain := approval.routed_chain if {
	outcome == "route"
} else := approval.owner_chain

_outcome_messages := {
	"pause": "The case is paused: the account owner must complete or clarify it before any offer.",
	"decline": "The proposed offer breaks the save-offer guidelines; the account owner may propose another.",
	"route": "The offer goes to its approval chain; people decide it.",
}

_explanations := array.flatten([
	[{"rule": sprintf("outcome.%s", [outcome]), "message": _outcome_messages[outcome]}],
	sort(classification.explanations),
	sort(eligibility.explanations),
	sort(offers.explanations),
	sort(margin.explanations),
	sort(history.explanations),
	sort(legal.explanations),
	sort(escalation.explanations),
	sort(approval.explanations),
])

# METADATA
# title: Save-offer decision
# description: >-
#   The decision document for one save case: the verdict, and the save option
#   drafts (alternatives) a person may propose instead.
# entrypoint: true
decision := object.union(verdict, {"alternatives": alternatives.drafts})

# METADATA
# title: Save-offer verdict
# description: >-
#   The decision on the proposed offer alone: outcome, reason class and save
#   path, discount tier, legal review, escalation, urgency, the approval
#   chain, and every pause reason, missing field, violation and explanation.
#   What a replay or comparison of decisions needs, without the drafts.
# entrypoint: true
verdict := {
	"outcome": outcome,
	"reason_class": classification.reason_class,
	"save_path": _save_path,
	"discount_tier": offers.discount_tier,
	"legal_review_required": legal.review_required,
	"escalation_level": escalation.level,
	"urgent": escalation.urgent,
	"approval_chain": approval_chain,
	"pause_reasons": sort(eligibility.pause_reasons),
	"missing_evidence": sort(eligibility.missing_evidence),
	"violations": sort(violations),
	"explanations": _explanations,
}
