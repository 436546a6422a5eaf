# METADATA
# title: Impact replay wrapper
# description: >-
#   Decides a list of inputs in one query (input.items) and keeps only what the
#   impact report compares. Loaded beside a policy bundle by python -m app.impact,
#   never part of a release: it exists to batch inputs over one HTTP request.
package impact

results := [r |
	some i, item in input.items
	d := data.retention.decision with input as item
	r := {
		"i": i,
		"outcome": d.outcome,
		"chain": [s.roles | some s in d.approval_chain],
		"tier": d.discount_tier,
		"escalation": d.escalation_level,
		"violations": d.violations,
		"rules": [e.rule | some e in d.explanations],
	}
]
