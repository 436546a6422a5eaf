# METADATA
# title: Legal review
# description: >-
#   Decides when legal must review the offer: a contract or scope change,
#   non-standard terms, a promise already made to the customer, an extension,
#   or a discount running longer than the legal threshold (12 months).
package retention.legal

_offer := input.case.proposed_offer

_flag_triggers := {
	"contract_change": "The offer changes the contract.",
	"scope_change": "The offer changes the scope.",
	"non_standard_terms": "The offer has non-standard terms.",
	"customer_facing_promise": "A promise has already been made to the customer.",
}

# METADATA
# scope: document
# title: Legal triggers
# description: Each reason legal must review the offer.
triggers contains flag if {
	some flag, _ in _flag_triggers
	_offer[flag] == true
}

triggers contains "extension" if _offer.type == "extension"

triggers contains "long_discount" if {
	_offer.type == "discount"
	_offer.duration_months > data.retention.config.discount.legal_review_over_months
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
	"rule": sprintf("legal.%s", [flag]),
	"message": sprintf("%s Legal must review it.", [message]),
} if {
	some flag in triggers
	message := _flag_triggers[flag]
}

explanations contains {
	"rule": "legal.extension",
	"message": "The offer extends the contract. Legal must review it.",
} if {
	"extension" in triggers
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
