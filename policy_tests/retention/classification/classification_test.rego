# METADATA
# title: Reason classification tests
# description: >-
#   The CRM category wins unless it is unknown; otherwise the customer's words
#   are matched against the keyword lists (whole words, any case); one class
#   gives that class, several make the reason unclear; with no keyword match
#   the trigger may imply a class, anything else is unclear.
package retention.classification_test

import data.retention.classification
import data.retention.fixtures

# The input for a case with the given reason (category, text) and trigger.
_reason_input(category, text, trigger) := fixtures.case_input(
	{"trigger": trigger, "customer_reason": {"category": category, "text": text}},
	{},
)

# A case without a CRM category whose trigger implies no class: only the words decide.
_text_input(text) := _reason_input(null, text, "cancellation_request")

_rule_ids contains e.rule if {
	some e in classification.explanations
}

# CRM category

test_reason_class_crm_category_wins_over_text if {
	inp := _reason_input("price", "Support is slow.", "cancellation_request")
	classification.reason_class == "price" with input as inp
	classification.save_path == "commercial_concession" with input as inp
}

test_reason_class_crm_category_wins_over_ambiguous_text if {
	inp := _reason_input("timing", "Too expensive and support is slow.", "churn_risk")
	classification.reason_class == "timing" with input as inp
}

test_reason_class_crm_category_wins_over_trigger_default if {
	inp := _reason_input("fit", "Thinking about options.", "price_concession_request")
	classification.reason_class == "fit" with input as inp
}

test_reason_class_crm_category_each_class_gives_its_save_path if {
	expected := {
		"price": "commercial_concession",
		"value": "value_realignment",
		"service": "service_recovery",
		"fit": "managed_exit",
		"timing": "timing_adjustment",
		"relationship": "relationship_escalation",
	}
	every class, path in expected {
		classification.reason_class == class with input as _reason_input(class, "Thinking about options.", "churn_risk")
		classification.save_path == path with input as _reason_input(class, "Thinking about options.", "churn_risk")
	}
}

test_reason_class_crm_category_explanation if {
	inp := _reason_input("value", "Support is slow.", "churn_risk")
	explanations := classification.explanations with input as inp
	explanations == {{
		"rule": "classification.crm_category",
		"message": "The CRM classified the reason as \"value\".",
	}}
}

test_reason_class_unknown_category_falls_back_to_text if {
	inp := _reason_input("unknown", "Support is slow.", "cancellation_request")
	classification.reason_class == "service" with input as inp
	ids := _rule_ids with input as inp
	ids == {"classification.keywords"}
}

test_reason_class_unknown_category_without_keyword_is_unclear if {
	inp := _reason_input("unknown", "Thinking about our options.", "churn_risk")
	classification.reason_class == "unclear" with input as inp
}

test_reason_class_null_category_falls_back_to_text if {
	classification.reason_class == "fit" with input as _text_input("We have outgrown the product.")
}

# Keywords: one per class, from the customer's own words

test_reason_class_slow_support_is_service if {
	classification.reason_class == "service" with input as _text_input("Support is slow and nobody answers.")
}

test_reason_class_too_expensive_is_price if {
	classification.reason_class == "price" with input as _text_input("It has become too expensive for us.")
}

test_reason_class_not_using_is_value if {
	classification.reason_class == "value" with input as _text_input("We are not using most seats.")
}

test_reason_class_missing_feature_is_fit if {
	classification.reason_class == "fit" with input as _text_input("A missing feature we cannot live without.")
}

test_reason_class_hiring_freeze_is_timing if {
	classification.reason_class == "timing" with input as _text_input("We are in a hiring freeze until spring.")
}

test_reason_class_champion_left_is_relationship if {
	classification.reason_class == "relationship" with input as _text_input("Our champion left the company.")
}

test_reason_class_every_configured_keyword_gives_its_class if {
	every class, keywords in data.retention.config.classification.keywords {
		every keyword in keywords {
			classification.reason_class == class with input as _text_input(sprintf("They said: %s.", [keyword]))
		}
	}
}

test_reason_class_keyword_match_ignores_case if {
	classification.reason_class == "service" with input as _text_input("OUTAGE after OUTAGE.")
	classification.reason_class == "value" with input as _text_input("What is the ROI here?")
	classification.reason_class == "price" with input as _text_input("Your Pricing changed.")
}

# The keywords of a class are matched as one quoted alternation: a class with
# no keywords must match nothing (an empty alternation would match anywhere),
# a keyword is literal text, never a pattern, and its case does not matter.
test_matched_classes_empty_keyword_list_matches_nothing if {
	keywords := object.union(data.retention.config.classification.keywords, {"price": []})
	classes := classification.matched_classes with input as _text_input("The price is too high.")
		with data.retention.config.classification.keywords as keywords
	classes == set()
}

test_matched_classes_keywords_are_literal_text if {
	keywords := object.union(data.retention.config.classification.keywords, {"fit": ["c++ sdk", "a.b"]})
	literal := classification.matched_classes with input as _text_input("We need a C++ SDK.")
		with data.retention.config.classification.keywords as keywords
	literal == {"fit"}
	not_a_pattern := classification.matched_classes with input as _text_input("Our axb team left.")
		with data.retention.config.classification.keywords as keywords
	not_a_pattern == set()
}

test_matched_classes_keyword_case_in_data_does_not_matter if {
	keywords := object.union(data.retention.config.classification.keywords, {"timing": ["Hiring Freeze"]})
	classes := classification.matched_classes with input as _text_input("We are in a hiring freeze.")
		with data.retention.config.classification.keywords as keywords
	classes == {"timing"}
}

test_reason_class_keyword_matches_whole_words_only if {
	# "later" must not match "late", nor "supported" match "support".
	classification.reason_class == "unclear" with input as _text_input("We decide later; it is well supported.")
	classes := classification.matched_classes with input as _text_input("We decide later; it is well supported.")
	classes == set()
}

test_reason_class_keyword_phrase_matches_whole_phrase if {
	classification.reason_class == "relationship" with input as _text_input("The account manager never calls.")
}

test_reason_class_single_keyword_class_explanation if {
	explanations := classification.explanations with input as _text_input("There were outages.")
	explanations == {{
		"rule": "classification.keywords",
		"message": "The customer's words point to one reason class only: \"service\".",
	}}
}

test_matched_classes_lists_every_class_mentioned if {
	inp := _text_input("Too expensive, support is slow, and the timing is bad.")
	classes := classification.matched_classes with input as inp
	classes == {"price", "service", "timing"}
}

test_matched_classes_several_keywords_of_one_class_count_once if {
	classes := classification.matched_classes with input as _text_input("Outages, bugs and slow support.")
	classes == {"service"}
}

# Ambiguous: two or more classes

test_reason_class_two_classes_is_unclear if {
	classification.reason_class == "unclear" with input as _text_input("Too expensive and support is slow.")
}

test_reason_class_two_classes_overrides_trigger_default if {
	inp := _reason_input(null, "Too expensive and support is slow.", "price_concession_request")
	classification.reason_class == "unclear" with input as inp
}

test_reason_class_ambiguous_has_no_save_path if {
	not classification.save_path with input as _text_input("Too expensive and support is slow.")
}

test_reason_class_ambiguous_explanation if {
	explanations := classification.explanations with input as _text_input("Support is slow and it is too expensive.")
	explanations == {{
		"rule": "classification.ambiguous",
		"message": "The customer's words point to several reason classes (price, service), so the reason is unclear.",
	}}
}

# No keyword: the trigger may imply a class

test_reason_class_price_concession_request_without_keyword_is_price if {
	inp := _reason_input(null, "Thinking about our options.", "price_concession_request")
	classification.reason_class == "price" with input as inp
}

test_reason_class_value_complaint_without_keyword_is_value if {
	inp := _reason_input(null, "Thinking about our options.", "value_complaint")
	classification.reason_class == "value" with input as inp
}

test_reason_class_other_triggers_without_keyword_are_unclear if {
	every trigger in ["cancellation_request", "churn_risk", "renewal_rejected"] {
		classification.reason_class == "unclear" with input as _reason_input(null, "Thinking about our options.", trigger)
	}
}

test_reason_class_keyword_wins_over_trigger_default if {
	inp := _reason_input(null, "Support is slow.", "price_concession_request")
	classification.reason_class == "service" with input as inp
}

test_reason_class_null_text_uses_trigger_default if {
	inp := _reason_input(null, null, "value_complaint")
	classification.reason_class == "value" with input as inp
	classes := classification.matched_classes with input as inp
	classes == set()
}

test_reason_class_null_text_and_category_is_unclear if {
	classification.reason_class == "unclear" with input as _reason_input(null, null, "renewal_rejected")
}

test_reason_class_trigger_default_explanation if {
	inp := _reason_input(null, "Thinking about our options.", "price_concession_request")
	explanations := classification.explanations with input as inp
	explanations == {{
		"rule": "classification.trigger_default",
		"message": "No keyword matched; the trigger \"price_concession_request\" implies the reason class \"price\".",
	}}
}

test_reason_class_unclear_explanation if {
	inp := _reason_input("unknown", "Thinking about our options.", "churn_risk")
	explanations := classification.explanations with input as inp
	explanations == {{
		"rule": "classification.unclear",
		"message": "No CRM category, no keyword and no trigger identifies the reason, so it is unclear.",
	}}
}

test_save_path_unclear_has_none if {
	not classification.save_path with input as _text_input("Thinking about our options.")
}
