#!/usr/bin/env python3
"""Check an inclusion proof of a decision without the service: check_audit_proof.py PROOF.json --public-key KEY.pem

Needs only Python 3.11 with `cryptography` and `rfc8785`. Use a public key you obtained from the
operator independently, not one shipped with the proof. Exits 0 when the proof holds, 1 otherwise.

What it checks: the decision's row hashes (RFC 8785 content, SHA-256) to a link that names its
predecessor; each later link of the segment chains onto it; the last link's hash is the row hash
the checkpoint signed for the decisions chain; the checkpoint's Ed25519 signature verifies.
"""

import argparse
import base64
import hashlib
import json
import sys
from pathlib import Path

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def _link(chain: str, seq: int, prev_hash: str, content_sha256: str) -> str:
    link = {"chain": chain, "content_sha256": content_sha256, "prev_hash": prev_hash, "seq": seq}
    return hashlib.sha256(rfc8785.dumps(link)).hexdigest()


def check(proof: dict, key: Ed25519PublicKey) -> str:
    """Return the checkpoint's time if the proof holds; raise ValueError saying what does not."""
    if proof.get("format") != "save-offers-audit-proof/1":
        raise ValueError(f"unknown proof format {proof.get('format')!r}")
    chain, row = proof["chain"], proof["row"]
    if row.get("id") != proof["decision_id"]:
        raise ValueError("the row is not the decision the proof names")
    content = hashlib.sha256(rfc8785.dumps(row)).hexdigest()
    seq, head = proof["seq"], _link(chain, proof["seq"], proof["prev_hash"], content)
    for link in proof["segment"]:
        if link["seq"] != seq + 1 or link["prev_hash"] != head:
            raise ValueError(f"the segment breaks at seq {link['seq']}")
        seq, head = link["seq"], _link(chain, link["seq"], link["prev_hash"], link["content_sha256"])
    document = proof["checkpoint"]
    body = document["checkpoint"]
    try:
        key.verify(base64.b64decode(document["signature"]), rfc8785.dumps(body))
    except InvalidSignature:
        raise ValueError("the checkpoint's signature does not verify with this public key") from None
    signed = body["chains"][chain]
    if signed["seq"] != seq or signed["row_hash"] != head:
        raise ValueError(f"the chain arrives at seq {seq} hash {head}, the checkpoint signed {signed}")
    return str(body["signed_at"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("proof", type=Path)
    parser.add_argument("--public-key", type=Path, required=True, help="PEM Ed25519 public key of the service")
    args = parser.parse_args()
    key = serialization.load_pem_public_key(args.public_key.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        print("not an Ed25519 public key", file=sys.stderr)
        return 1
    proof = json.loads(args.proof.read_text(encoding="utf-8"))
    try:
        signed_at = check(proof, key)
    except (ValueError, KeyError, TypeError) as exc:
        print(f"proof does NOT hold: {exc}", file=sys.stderr)
        return 1
    print(f"proof holds: decision {proof['decision_id']} is in the log signed at {signed_at}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
