"""Inclusion proof of one decision: its row, the chain segment up to a signed checkpoint, and that checkpoint.

An auditor checks it without the service (scripts/check_audit_proof.py): hash the row's content,
chain forward through the segment's content digests, arrive at the checkpoint's signed row hash,
and check the signature with the service's public key. The segment carries only digests of the
later rows, so the proof discloses no other decision.
"""

import json
from typing import Any

from sqlalchemy import Connection

from app.audit import repository
from app.audit.canonical import content_sha256
from app.audit.checkpoints import Checkpoint
from app.audit.spec import CHAINS
from app.errors import Conflict, NotFound

FORMAT = "save-offers-audit-proof/1"


def build(*, connection: Connection, decision_id: str, signed: list[Checkpoint]) -> dict[str, Any]:
    """The proof that a decision is in the checkpointed decision log (409 if no checkpoint covers it yet)."""
    spec = CHAINS["decisions"]
    row = repository.row_by_id(connection, chain="decisions", row_id=decision_id)
    if row is None:
        raise NotFound(f"No decision with id {decision_id!r}.")
    seq = int(row["chain_seq"])
    covering = [c for c in signed if c.chains.get("decisions") and c.chains["decisions"].seq >= seq]
    if not covering:
        raise Conflict(
            "No signed checkpoint covers this decision yet: take one (python -m app.audit checkpoint, or "
            "POST /v1/audit/checkpoints) or wait for the next interval.",
            code="not_checkpointed",
        )
    checkpoint = min(covering, key=lambda c: c.chains["decisions"].seq)
    through = checkpoint.chains["decisions"].seq
    segment = [
        {"seq": int(r["chain_seq"]), "prev_hash": r["prev_hash"], "content_sha256": content_sha256(spec.content(r))}
        for r in repository.stream_rows(connection, chain="decisions", after_seq=seq)
        if int(r["chain_seq"]) <= through
    ]
    return {
        "format": FORMAT,
        "chain": "decisions",
        "decision_id": decision_id,
        "seq": seq,
        "prev_hash": row["prev_hash"],
        "row": spec.content(row),
        "segment": segment,
        "checkpoint": json.loads(checkpoint.path.read_text(encoding="utf-8")),
    }
