"""Signed checkpoints: each chain's head and row count, signed with Ed25519, written outside the database.

A checkpoint file is JSON: {"checkpoint": {...}, "key_id": "…", "signature": base64}. The signature
is over the RFC 8785 bytes of "checkpoint". The files go to a directory (a mounted object-store
bucket is a directory too); a checkpoint names each chain's last seq, its row hash and its row id.
"""

import base64
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.audit.canonical import canonical
from app.audit.keys import b64, key_id
from app.audit.verifier import Anchor

FORMAT = "save-offers-audit-checkpoint/1"


@dataclass(frozen=True, kw_only=True)
class Checkpoint:
    signed_at: str
    chains: dict[str, Anchor]
    path: Path


def sign(
    *, heads: dict[str, tuple[int, str, str | None]], signed_at: datetime, key: Ed25519PrivateKey, directory: Path
) -> Path:
    """Sign the chain heads (seq, row hash, row id per chain) and write the checkpoint file; return its path."""
    body = {
        "format": FORMAT,
        "signed_at": signed_at.isoformat(),
        "chains": {c: {"seq": s, "row_hash": h, "row_id": i} for c, (s, h, i) in sorted(heads.items())},
    }
    document = {"checkpoint": body, "key_id": key_id(key.public_key()), "signature": b64(key.sign(canonical(body)))}
    directory.mkdir(parents=True, exist_ok=True)
    total = sum(s for s, _, _ in heads.values())
    name = f"checkpoint-{signed_at.strftime('%Y%m%dT%H%M%S%fZ')}-{total}.json"
    # Written whole or not at all: a reader never sees half a checkpoint.
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".checkpoint-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(document, out, indent=2, sort_keys=True)
    final = directory / name
    os.replace(tmp, final)
    return final


def _verified(path: Path, key: Ed25519PublicKey) -> Checkpoint:
    document = json.loads(path.read_text(encoding="utf-8"))
    body: dict[str, Any] = document["checkpoint"]
    try:
        key.verify(base64.b64decode(document["signature"]), canonical(body))
    except InvalidSignature:
        raise ValueError(f"checkpoint {path.name}: the signature does not verify with the configured key") from None
    if body.get("format") != FORMAT:
        raise ValueError(f"checkpoint {path.name}: unknown format {body.get('format')!r}")
    chains = {
        name: Anchor(seq=int(c["seq"]), row_hash=c["row_hash"], row_id=c["row_id"], signed_at=body["signed_at"])
        for name, c in body["chains"].items()
    }
    return Checkpoint(signed_at=body["signed_at"], chains=chains, path=path)


def load_all(directory: Path, key: Ed25519PublicKey) -> list[Checkpoint]:
    """Every checkpoint in the directory, oldest first; a file whose signature fails is an error, not skipped."""
    if not directory.exists():
        return []
    return [_verified(path, key) for path in sorted(directory.glob("checkpoint-*.json"))]


def anchors_by_chain(checkpoints: list[Checkpoint]) -> dict[str, dict[int, Anchor]]:
    """The positions the checkpoints vouch for, per chain."""
    out: dict[str, dict[int, Anchor]] = {}
    for checkpoint in checkpoints:
        for chain, anchor in checkpoint.chains.items():
            if anchor.seq > 0:
                out.setdefault(chain, {})[anchor.seq] = anchor
    return out
