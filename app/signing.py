"""HMAC-SHA256 signatures over "<timestamp>." + body: CRM webhooks in, notifications out, one scheme."""

import hashlib
import hmac


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: "sha256=" + hex HMAC-SHA256 of "<timestamp>." + body."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(*, secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """Whether a presented signature matches, compared in constant time."""
    return hmac.compare_digest(sign(secret=secret, timestamp=timestamp, body=body), signature)
