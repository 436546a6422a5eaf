# METADATA
# title: Eligibility and pauses
# description: >-
#   Decides when the service must stop and ask a person instead of routing an
#   offer: an unclear reason, an angry customer, missing, stale or
#   contradictory evidence, a concession without the account's concession
#   history, or money a cap cannot be checked on. Any pause reason outranks
#   every other outcome.
package retention.eligibility

import data.retention.classification
import data.retention.history
import data.retention.margin
import data.retention.offers

_config := data.retention.config.evidence

# A field of the case, named by its dotted path, that is null, empty or not there.
_absent(field) if object.get(input.case, split(field, "."), null) in {null, ""}

# A field of the case, named by its dotted path, that is a number above zero.
_positive(field) if {
	value := object.get(input.case, split(field, "."), null)
	is_number(value)
	value > 0
}

_offer_has_cost if input.case.proposed_offer.type in _config.costed_offer_types

_missing_fields contains field if {
	some field in _config.required_fields
	_absent(field)
}

_missing_fields contains field if {
	_offer_has_cost
	some field in _config.costed_required_fields
	_absent(field)
}

# A concession is never judged without the account's history: missing or
# unreadable history is named as missing evidence (history.missing).
_missing_fields contains "history" if history.missing

# Zero or less is no amount a share, a margin or a cost can be priced on.
_missing_fields contains field if {
	_offer_has_cost
	some field in _config.costed_positive_fields
	not _positive(field)
}

# METADATA
# title: Figures the caps cannot be checked on
# description: >-
#   Derived facts a cap or guard of this offer is checked on (each package
#   names those it needs: offers.figures_needed, margin.figures_needed) that
#   the service could not derive. No cap is skipped for want of its figure:
#   the case pauses instead.
underivable_figures contains figure if {
	some figure in (offers.figures_needed | margin.figures_needed)
	not is_number(object.get(input.derived, figure, null))
}

# METADATA
# title: Missing evidence
# description: >-
#   Fields the case must carry before an offer is judged
#   (evidence.required_fields), those it must carry too when the offer costs
#   money (evidence.costed_required_fields), and those a costed offer is
#   priced on, which must be above zero (evidence.costed_positive_fields),
#   and history when the offer needs the account's concession history and
#   it is missing or unreadable.
#   When the case carries them all but a figure the caps need still cannot
#   be derived, that figure is named instead (derived.<figure>).
missing_evidence := _missing_fields if {
	count(_missing_fields) > 0
} else := {sprintf("derived.%s", [figure]) | some figure in underivable_figures}

# METADATA
# scope: document
# title: Contradictory evidence
# description: >-
#   Facts that cannot both be true: a discount percentage on an offer that is
#   not a discount, or an active contract whose renewal date has passed.
contradictions contains "discount_pct_on_non_discount_offer" if {
	input.case.proposed_offer.type != "discount"
	input.case.proposed_offer.discount_pct > 0
}

contradictions contains "active_contract_renewal_date_past" if {
	input.case.contract.status == "active"
	is_number(input.derived.days_to_renewal)
	input.derived.days_to_renewal < 0
}

_stale if {
	is_number(input.derived.evidence_age_days)
	input.derived.evidence_age_days > _config.max_age_days
}

# METADATA
# scope: document
# title: Pause reasons
# description: Every reason the case must go back to the account owner before any offer is routed.
pause_reasons contains "reason_unclear" if classification.reason_class == "unclear"

pause_reasons contains "emotionally_charged" if input.case.customer_reason.sentiment == "angry"

pause_reasons contains "missing_evidence" if count(missing_evidence) > 0

pause_reasons contains "stale_evidence" if _stale

pause_reasons contains "contradictory_evidence" if count(contradictions) > 0

# METADATA
# scope: document
# title: Pause explanations
# description: One sentence per pause reason, naming what the account owner must fix.
explanations contains {
	"rule": "pause.reason_unclear",
	"message": "The customer's reason is unclear; the account owner must clarify it before any offer.",
} if {
	"reason_unclear" in pause_reasons
}

explanations contains {
	"rule": "pause.emotionally_charged",
	"message": "The customer is angry; a person must talk to them before any offer is made.",
} if {
	"emotionally_charged" in pause_reasons
}

explanations contains {
	"rule": "pause.missing_evidence",
	"message": sprintf("Evidence is missing: %s.", [concat(", ", sort(missing_evidence))]),
} if {
	"missing_evidence" in pause_reasons
}

explanations contains {
	"rule": "pause.underivable_figures",
	"message": sprintf(
		"The offer's caps cannot be checked: %s cannot be derived from the case's figures.",
		[concat(", ", sort(underivable_figures))],
	),
} if {
	count(_missing_fields) == 0
	count(underivable_figures) > 0
}

explanations contains {
	"rule": "pause.stale_evidence",
	"message": sprintf(
		"The evidence is %v days old at decision time, older than the %v days allowed.",
		[input.derived.evidence_age_days, _config.max_age_days],
	),
} if {
	_stale
}

explanations contains {
	"rule": "pause.contradictory_evidence",
	"message": sprintf("The evidence contradicts itself: %s.", [concat(", ", sort(contradictions))]),
} if {
	"contradictory_evidence" in pause_reasons
}
