# METADATA
# title: Legal review tests
# description: Each legal trigger on its own, the 12-month discount boundary, and no review without a trigger.
package retention.legal_test

import data.retention.fixtures
import data.retention.legal

_offer(patch) := fixtures.case_input({"proposed_offer": patch}, {})

test_review_required_not_for_the_baseline_credit if {
	not legal.review_required with input as fixtures.case_input({}, {})
	legal.triggers == set() with input as fixtures.case_input({}, {})
}

test_triggers_each_flag_alone if {
	legal.triggers == {"contract_change"} with input as _offer({"contract_change": true})
	legal.triggers == {"scope_change"} with input as _offer({"scope_change": true})
	legal.triggers == {"non_standard_terms"} with input as _offer({"non_standard_terms": true})
	legal.triggers == {"customer_facing_promise"} with input as _offer({"customer_facing_promise": true})
	legal.review_required with input as _offer({"scope_change": true})
}

test_triggers_extension_offer if {
	legal.triggers == {"extension"} with input as _offer({"type": "extension", "duration_months": 2, "credit_amount": 0})
}

test_triggers_discount_longer_than_12_months if {
	twelve := {"type": "discount", "discount_pct": 5, "duration_months": 12, "credit_amount": 0}
	legal.triggers == set() with input as _offer(twelve)
	legal.triggers == {"long_discount"} with input as _offer(object.union(twelve, {"duration_months": 13}))
}
