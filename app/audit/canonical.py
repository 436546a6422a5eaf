"""Canonical JSON and the two hashes of a chained row.

Canonical JSON is RFC 8785 (JSON Canonicalization Scheme): keys sorted by UTF-16 code units, no
whitespace, UTF-8, numbers in their shortest ECMAScript form (so 12.0 and 12 are the same number).
Timestamps become ISO 8601 strings in UTC with microseconds and a Z. This form is frozen: changing
it would make every stored hash unverifiable.
"""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import rfc8785

# The hash a chain's first row names as its predecessor.
GENESIS = "0" * 64


class _NotPlain(Exception):
    """A value the fast path cannot write exactly as RFC 8785 does."""


def _plain_numbers(value: Any) -> Any:
    # The standard library writes what RFC 8785 writes (sorted keys, no whitespace, the same string escapes)
    # except for floats and for keys outside ASCII (RFC 8785 sorts by UTF-16 code units). Integral floats
    # become ints (12.0 is written 12 by both); any other float in exponent form, a non-ASCII key or a
    # type JSON does not have sends the whole value to the reference implementation. Exact type checks:
    # this runs over every node of every row the verifier reads.
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if type(key) is not str or not key.isascii():
                raise _NotPlain
            leaf = type(item)
            out[key] = item if leaf is str or leaf is int or leaf is bool or item is None else _plain_numbers(item)
        return out
    if kind is list:
        return [item if type(item) is str else _plain_numbers(item) for item in value]
    if kind is float:
        written = repr(value)
        if "e" in written or "n" in written:  # exponent form, inf, nan
            raise _NotPlain
        return int(value) if value.is_integer() else value
    if kind is str or kind is int or kind is bool or value is None:
        return value
    raise _NotPlain


def canonical(value: Any) -> bytes:
    """The RFC 8785 bytes of a JSON value (the standard library's C encoder when it writes the same bytes)."""
    try:
        plain_value = _plain_numbers(value)
    except _NotPlain:
        return rfc8785.dumps(value)
    return json.dumps(plain_value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


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
