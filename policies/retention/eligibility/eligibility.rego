# METADATA
# title: Eligibility and pauses
# description: >-
#   Decides when the service must stop and ask a person instead of routing an
#   offer: an unclear reason, an angry customer, missing, stale or
#   contradictory evidence. Any pause reason outranks every other outcome.
package retention.eligibility

import data.retention.classification

_config := data.retention.config.evidence

# A field of the case, named by its dotted path, that is null, empty or not there.
_absent(field) if object.get(input.case, split(field, "."), null) in {null, ""}

_offer_has_cost if input.case.proposed_offer.type in _config.costed_offer_types

# METADATA
# scope: document
# title: Missing evidence
# description: >-
#   Fields the case must carry before an offer is judged
#   (evidence.required_fields), and those it must carry too when the offer
#   costs money (evidence.costed_required_fields for evidence.costed_offer_types).
missing_evidence contains field if {
	some field in _config.required_fields
	_absent(field)
}

missing_evidence contains field if {
	_offer_has_cost
	some field in _config.costed_required_fields
	_absent(field)
}

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
