"""Audit use-cases on a sync connection: verify the chains, take a checkpoint, redact a decision."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection

# The chained tables' models, so their metadata is known wherever the audit use-cases run (the CLI too).
import app.cases.models
import app.decisions.models
import app.outcomes.models  # noqa: F401
from app.audit import checkpoints, repository
from app.audit.checkpoints import Checkpoint
from app.audit.personal import REDACTED_PAYLOAD, is_redacted, redacted
from app.audit.spec import CHAIN_ORDER
from app.audit.verifier import Break, ChainWalker
from app.errors import Conflict, NotFound


@dataclass(frozen=True, kw_only=True)
class ChainResult:
    chain: str
    rows: int
    head_seq: int
    head_hash: str
    redacted: int
    checkpointed_seq: int
    first_break: Break | None


def verify(*, connection: Connection, signed: list[Checkpoint]) -> list[ChainResult]:
    """Recompute every chain from its first row, against every signed checkpoint; stop each at its first break."""
    anchors = checkpoints.anchors_by_chain(signed)
    heads = repository.recorded_heads(connection)
    results = []
    for chain in CHAIN_ORDER:
        walker = ChainWalker(chain=chain, anchors=anchors.get(chain, {}), recorded_head=heads.get(chain, 0))
        for row in repository.stream_rows(connection, chain=chain):
            walker.feed(row)
            if walker.done:
                break
        walker.finish()
        if walker.first_break is None:
            walker.first_break = _unlinked(connection, chain=chain, end=walker.head[0])
        results.append(_result(walker))
    return results


def _unlinked(connection: Connection, *, chain: str, end: int) -> Break | None:
    # Every committed row is linked (on PostgreSQL as its transaction commits): one without a place was
    # written with the chain's linking switched off, and walking the chain in order never meets it.
    row_id = repository.first_unlinked(connection, chain=chain)
    if row_id is None:
        return None
    detail = f"the row has no place in the chain (no chain_seq, after seq {end}): it was inserted outside it"
    return Break(chain=chain, seq=end + 1, row_id=row_id, kind="inserted", detail=detail)


def _result(walker: ChainWalker) -> ChainResult:
    seq, head_hash = walker.head
    return ChainResult(
        chain=walker.chain,
        rows=walker.rows,
        head_seq=seq,
        head_hash=head_hash,
        redacted=walker.redacted,
        checkpointed_seq=max(walker.anchors, default=0),
        first_break=walker.first_break,
    )


def take_checkpoint(
    *, connection: Connection, signed: list[Checkpoint], key: Ed25519PrivateKey, directory: Path, now: datetime
) -> Path:
    """Sign the current chain heads, after checking the rows added since the last checkpoint link onto it.

    Signing a broken chain would vouch for the break, so a break found on the way is a 409.
    """
    latest = signed[-1].chains if signed else {}
    heads: dict[str, tuple[int, str, str | None]] = {}
    for chain in CHAIN_ORDER:
        anchor = latest.get(chain)
        walker = ChainWalker(chain=chain, anchors={anchor.seq: anchor} if anchor and anchor.seq else {})
        if anchor is not None and anchor.seq:
            walker.start_seq, walker.start_hash = anchor.seq, anchor.row_hash
        last_id = anchor.row_id if anchor else None
        for row in repository.stream_rows(connection, chain=chain, after_seq=walker.start_seq):
            walker.feed(row)
            last_id = str(row["id"])
            if walker.done:
                break
        walker.finish()
        if walker.first_break is not None:
            raise Conflict(f"Not signed: {describe(walker.first_break)}", code="audit_chain_broken")
        seq, row_hash = walker.head
        heads[chain] = (seq, row_hash, last_id)
    return checkpoints.sign(heads=heads, signed_at=now, key=key, directory=directory)


def redact_decision(*, connection: Connection, decision_id: str) -> bool:
    """Erase a decision's personal fields (the chain and personal_sha256 stay); False if it was already redacted."""
    row = repository.row_by_id(connection, chain="decisions", row_id=decision_id)
    if row is None:
        raise NotFound(f"No decision with id {decision_id!r}.")
    if is_redacted(row["payload_raw"]):
        return False
    repository.redact(
        connection, decision_id=decision_id, payload_raw=REDACTED_PAYLOAD, policy_input=redacted(row["policy_input"])
    )
    return True


def describe(found: Break) -> str:
    """One sentence naming the first broken link."""
    where = f"row id {found.row_id} at seq {found.seq}" if found.row_id else f"seq {found.seq}"
    return f"{found.chain}: {where} was {found.kind}: {found.detail}"
