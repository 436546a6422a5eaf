# METADATA
# title: Impact replay wrapper
# description: >-
#   Decides a list of inputs in one query (input.items) and keeps only what the
#   impact report compares. Loaded beside a policy bundle by python -m app.impact,
#   never part of a release: it exists to batch inputs over one HTTP request.
package impact

# The replay compares outcomes, chains, tiers, escalation and violations. The
# explanations are about 40% of a decision's evaluation and are wanted for a
# few examples only (explained below), so results evaluates the rules it
# compares and not the decision document.
results := [object.union({"i": i}, compared) |
	some i, item in input.items
	compared := _compared with input as item
]

# The rule ids that fired, from the whole decision document, for the examples.
explained := [{"i": i, "rules": [e.rule | some e in d.explanations]} |
	some i, item in input.items
	d := data.retention.decision with input as item
]

# A rule, not a function, so that OPA caches each rule it reads for one input.
_compared := compared if {
	compared := {
		"outcome": data.retention.outcome,
		"chain": [s.roles | some s in data.retention.approval_chain],
		"tier": data.retention.offers.discount_tier,
		"escalation": data.retention.escalation.level,
		"violations": sort(data.retention.violations),
	}
}

# A policy from before approval_chain and violations were rules of their own
# (a base taken from an older git ref) is compared through its whole document.
else := {
	"outcome": d.outcome,
	"chain": [s.roles | some s in d.approval_chain],
	"tier": d.discount_tier,
	"escalation": d.escalation_level,
	"violations": d.violations,
} if {
	d := data.retention.decision
}
