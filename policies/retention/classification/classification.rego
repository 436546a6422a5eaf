# METADATA
# title: Reason classification
# description: >-
#   Decides why the customer wants to leave. The CRM's category wins when it
#   names a reason class (vocabulary.reason_classes), so "unknown" does not;
#   otherwise the reason text is matched against finance-owned keyword lists;
#   with no keyword match some triggers imply a class; anything else is
#   "unclear", which pauses the case.
package retention.classification

_config := data.retention.config.classification

_reason_classes := data.retention.config.vocabulary.reason_classes

_category := input.case.customer_reason.category

_text := lower(input.case.customer_reason.text) if is_string(input.case.customer_reason.text)

# Whole words and phrases only, so that "late" does not match "later" and a
# keyword list change cannot silently match inside unrelated words. One
# alternation per class, not one match per keyword: 74 matches were 40% of a
# decision's evaluation time, which the impact replay pays 100,000 times.
# Each keyword is quoted (\Q…\E), so no keyword is read as a pattern.
_pattern(keywords) := sprintf(`(?i)\b(?:\Q%s\E)\b`, [concat(`\E|\Q`, keywords)])

# METADATA
# title: Classes whose keywords the reason text mentions
# description: Every reason class with at least one keyword found in the customer's own words.
matched_classes contains class if {
	some class in _reason_classes
	keywords := _config.keywords[class]
	count(keywords) > 0
	regex.match(_pattern(keywords), _text)
}

_category_given if _category in _reason_classes

# METADATA
# scope: document
# title: Reason class
# description: >-
#   One of the reason classes (vocabulary.reason_classes) or unclear, in this
#   order of evidence: CRM category, a single keyword class, the trigger's
#   implied class (classification.trigger_defaults) when no keyword matched,
#   else unclear.
default reason_class := "unclear"

reason_class := _category if {
	_category_given
} else := class if {
	count(matched_classes) == 1
	some class in matched_classes
} else := "unclear" if {
	count(matched_classes) > 1
} else := class if {
	class := _config.trigger_defaults[input.case.trigger]
}

# METADATA
# title: Save path
# description: The save path that fits the reason class; an unclear reason has none.
save_path := data.retention.config.save_paths[reason_class]

# METADATA
# scope: document
# title: Classification explanations
# description: One sentence saying which evidence decided the reason class.
explanations contains {
	"rule": "classification.crm_category",
	"message": sprintf("The CRM classified the reason as %q.", [_category]),
} if {
	_category_given
}

explanations contains {
	"rule": "classification.keywords",
	"message": sprintf("The customer's words point to one reason class only: %q.", [reason_class]),
} if {
	not _category_given
	count(matched_classes) == 1
}

explanations contains {
	"rule": "classification.ambiguous",
	"message": sprintf(
		"The customer's words point to several reason classes (%s), so the reason is unclear.",
		[concat(", ", sort(matched_classes))],
	),
} if {
	not _category_given
	count(matched_classes) > 1
}

explanations contains {
	"rule": "classification.trigger_default",
	"message": sprintf(
		"No keyword matched; the trigger %q implies the reason class %q.",
		[input.case.trigger, reason_class],
	),
} if {
	not _category_given
	count(matched_classes) == 0
	_config.trigger_defaults[input.case.trigger]
}

explanations contains {
	"rule": "classification.unclear",
	"message": "No CRM category, no keyword and no trigger identifies the reason, so it is unclear.",
} if {
	not _category_given
	count(matched_classes) == 0
	not _config.trigger_defaults[input.case.trigger]
}
