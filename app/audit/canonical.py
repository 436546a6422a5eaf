"""Canonical JSON and the two hashes of a chained row.

Canonical JSON is RFC 8785 (JSON Canonicalization Scheme): keys sorted by UTF-16 code units, no
whitespace, UTF-8, numbers in their shortest ECMAScript form (so 12.0 and 12 are the same number).
Timestamps become ISO 8601 strings in UTC with microseconds and a Z. This form is frozen: changing
it would make every stored hash unverifiable.
"""

import hashlib
from datetime import UTC, datetime
from typing import Any

import rfc8785

# The hash a chain's first row names as its predecessor.
GENESIS = "0" * 64


def canonical(value: Any) -> bytes:
    """The RFC 8785 bytes of a JSON value."""
    return rfc8785.dumps(value)


def plain(value: Any) -> Any:
    """A column value as it is hashed: timestamps as UTC ISO strings, everything else as read."""
    if isinstance(value, datetime):
        # A naive timestamp is one SQLite gave back without its zone: every stored timestamp is UTC.
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def content_sha256(row: dict[str, Any]) -> str:
    """SHA-256 of a row's canonical content."""
    return hashlib.sha256(canonical(row)).hexdigest()


def link_hash(*, chain: str, seq: int, prev_hash: str, content_digest: str) -> str:
    """The row hash: SHA-256 over the chain name, the row's place, its predecessor's hash and its content digest."""
    link = {"chain": chain, "content_sha256": content_digest, "prev_hash": prev_hash, "seq": seq}
    return hashlib.sha256(canonical(link)).hexdigest()
