"""Shadow mode: a candidate release decides beside the live one on live traffic, and only is recorded.

With SHADOW_RELEASE set, the service runs a second OPA on that signed release and, after each
decision's response has been sent, asks it the same question. Its answer never reaches the caller
or the decision: it is stored in shadow_decisions, from which python -m app.impact --shadow makes
the impact report.
"""
