"""Personal data in the decision log, and how it is kept out of the chain so that it can be erased.

Personal fields of a decision: the raw CRM body (payload_raw) as a whole, and in the policy input
the account's name (case.account.name) and the customer's own words (case.customer_reason.text).
The chain hashes the policy input without them and, instead, personal_sha256: a digest of the
personal fields stored beside them. A redaction replaces the personal fields; the digest and the
chain stay, so the log still verifies.
"""

import hashlib
from typing import Any

from app.audit.canonical import canonical

PERSONAL_PATHS: tuple[tuple[str, ...], ...] = (("case", "account", "name"), ("case", "customer_reason", "text"))
REDACTED_PAYLOAD = '{"redacted":true}'
REDACTED_VALUE = "[redacted]"


def _leaf(document: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(document, dict):
            return None
        document = document.get(key)
    return document


def personal_digest(*, payload_raw: str, policy_input: Any) -> str:
    """SHA-256 of a decision's personal fields, in canonical JSON."""
    fields = [_leaf(policy_input, path) for path in PERSONAL_PATHS]
    return hashlib.sha256(canonical({"fields": fields, "payload_raw": payload_raw})).hexdigest()


def without_personal(policy_input: Any) -> Any:
    """The policy input with its personal leaves removed, as the chain hashes it."""
    return _replace(policy_input, remove=True)


def redacted(policy_input: Any) -> Any:
    """The policy input with its personal leaves replaced by the redaction marker."""
    return _replace(policy_input, remove=False)


def _replace(policy_input: Any, *, remove: bool) -> Any:
    # Copies only the dicts on the way to a personal leaf: the rest is shared, never changed.
    if not isinstance(policy_input, dict):
        return policy_input
    out = dict(policy_input)
    for path in PERSONAL_PATHS:
        parent = out
        for key in path[:-1]:
            child = parent.get(key)
            if not isinstance(child, dict):
                break
            parent[key] = parent = dict(child)
        else:
            if path[-1] in parent:
                if remove:
                    del parent[path[-1]]
                elif parent[path[-1]] is not None:
                    parent[path[-1]] = REDACTED_VALUE
    return out


def is_redacted(payload_raw: str) -> bool:
    """Whether a decision's personal fields were erased."""
    return payload_raw == REDACTED_PAYLOAD
