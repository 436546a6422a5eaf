"""The impact report: what a policy change would have done to the logged cases (python -m app.impact).

Replays the policy inputs of the decision log under a base and a candidate policy on two real OPA
processes, and writes one Markdown report for the pull request: the change in business words, the
outcome and approval transitions, the money, examples, boundary probes around each changed threshold,
invariants of the candidate, and the inputs the candidate cannot read. The command exits non-zero when
the candidate loosens anything (app.impact.tally.Tally.loosening).
"""
