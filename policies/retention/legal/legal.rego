# METADATA
# title: Legal review
# description: >-
#   Decides when legal must review the offer: an offer flag that needs it (a
#   contract or scope change, non-standard terms, a promise already made to
#   the customer), an offer type that always needs it (an extension), or a
#   discount running longer than the legal threshold
#   (discount.legal_review_over_months).
package retention.legal

_config := data.retention.config.legal

_offer := input.case.proposed_offer

# The sentence each trigger's explanation starts with; one the data adds
# without a sentence here is still named.
_messages := {
	"contract_change": "The offer changes the contract.",
	"scope_change": "The offer changes the scope.",
	"non_standard_terms": "The offer has non-standard terms.",
	"customer_facing_promise": "A promise has already been made to the customer.",
	"extension": "The offer extends the contract.",
}

_message(trigger) := object.get(_messages, trigger, sprintf("The offer triggers %q.", [trigger]))

# METADATA
# scope: document
# title: Legal triggers
# description: >-
#   Each reason legal must review the offer: a flag of legal.review_flags set
#   on the offer, an offer type of legal.review_offer_types, or a long discount.
triggers := offer_triggers(_offer)

# METADATA
# title: Legal triggers of an offer
# description: >-
#   The legal triggers of an offer: its flags of legal.review_flags, its type
#   when one of legal.review_offer_types, and long_discount for a discount
#   longer than discount.legal_review_over_months; the same for the proposed
#   offer and for every drafted alternative.
offer_triggers(offer) := (_flags(offer) | _type_triggers(offer)) | _long_discount(offer)

_flags(offer) := {flag | some flag in _config.review_flags; offer[flag] == true}

_type_triggers(offer) := {offer.type | offer.type in _config.review_offer_types}

_long_discount(offer) := {"long_discount" |
	offer.type == "discount"
	offer.duration_months > data.retention.config.discount.legal_review_over_months
}

# METADATA
# scope: document
# title: Legal review required
# description: True when any legal trigger applies.
default review_required := false

review_required if count(triggers) > 0

# METADATA
# scope: document
# title: Legal explanations
# description: One sentence per legal trigger.
explanations contains {
	"rule": sprintf("legal.%s", [trigger]),
	"message": sprintf("%s Legal must review it.", [_message(trigger)]),
} if {
	some trigger in triggers
	trigger != "long_discount"
}

explanations contains {
	"rule": "legal.long_discount",
	"message": sprintf(
		"The discount runs %v months, longer than %v. Legal must review it.",
		[_offer.duration_months, data.retention.config.discount.legal_review_over_months],
	),
} if {
	"long_discount" in triggers
}
