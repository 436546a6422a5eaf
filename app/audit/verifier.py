"""Walking a chain: recompute every link in order and name the first one that does not hold.

The walker is fed one row at a time, so it verifies any number of rows in constant memory, from a
sync cursor (the CLI) or an async stream (the admin endpoint).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.audit.canonical import GENESIS, content_sha256, link_hash
from app.audit.personal import is_redacted, personal_digest
from app.audit.spec import CHAINS


@dataclass(frozen=True, kw_only=True)
class Break:
    """The first link that does not hold: where, and what happened to the row (changed, removed or inserted)."""

    chain: str
    seq: int
    row_id: str | None
    kind: str
    detail: str


@dataclass(frozen=True, kw_only=True)
class Anchor:
    """A chain position vouched for by a signed checkpoint."""

    seq: int
    row_hash: str
    row_id: str | None
    signed_at: str


@dataclass(kw_only=True)
class _Seen:
    seq: int
    row_id: str
    prev_hash: str
    row_hash: str
    intact: bool


@dataclass(kw_only=True)
class ChainWalker:
    """Verifies one chain from a start (its genesis, or a checkpointed position) as rows are fed in order."""

    chain: str
    anchors: dict[int, Anchor] = field(default_factory=dict)
    start_seq: int = 0
    start_hash: str = GENESIS
    recorded_head: int | None = None
    rows: int = 0
    redacted: int = 0
    first_break: Break | None = None
    _last: _Seen | None = None
    _before_last_hash: str | None = None
    _mismatch: str = ""
    _anchored: int = 0  # the last seq a checkpoint vouched for and the rows matched

    def __post_init__(self) -> None:
        self._spec = CHAINS[self.chain]

    @property
    def done(self) -> bool:
        return self.first_break is not None

    @property
    def head(self) -> tuple[int, str]:
        return (self._last.seq, self._last.row_hash) if self._last else (self.start_seq, self.start_hash)

    def _break(self, *, seq: int, row_id: str | None, kind: str, detail: str) -> Break:
        return Break(chain=self.chain, seq=seq, row_id=row_id, kind=kind, detail=detail)

    def feed(self, row: Mapping[str, Any]) -> None:
        """Check one row (the next in chain order)."""
        if not self.done:
            self.first_break = self._check(row)

    def finish(self) -> None:
        """Check the end of the chain: a changed last row, and a tail shorter than a checkpoint or the head."""
        if not self.done:
            self.first_break = self._check_end()

    def _check(self, row: Mapping[str, Any]) -> Break | None:
        seq, row_id, prev_hash, row_hash = int(row["chain_seq"]), str(row["id"]), row["prev_hash"], row["row_hash"]
        last = self._last
        expected_prev = last.row_hash if last else self.start_hash
        expected_seq = (last.seq if last else self.start_seq) + 1
        if last is not None and not last.intact:
            # The previous row did not hash to its stored hash: inserted if this row skips it, else changed.
            if prev_hash == last.prev_hash:
                return self._break(seq=last.seq, row_id=last.row_id, kind="inserted", detail=_inserted(last.seq))
            return self._break(seq=last.seq, row_id=last.row_id, kind="changed", detail=_changed(self._mismatch))
        if seq > expected_seq:
            missing = f"seq {expected_seq}" + (f"..{seq - 1}" if seq - 1 > expected_seq else "")
            return self._break(
                seq=expected_seq,
                row_id=None,
                kind="removed",
                detail=f"{missing} missing: the next row is id {row_id} at seq {seq}",
            )
        if prev_hash != expected_prev and last is not None:
            if prev_hash == self._before_last_hash:
                return self._break(seq=last.seq, row_id=last.row_id, kind="inserted", detail=_inserted(last.seq))
            return self._break(
                seq=last.seq,
                row_id=last.row_id,
                kind="changed",
                detail=f"the row hash was recomputed after a change: the next row (id {row_id}) links to {prev_hash}",
            )
        if prev_hash != expected_prev:
            return self._break(seq=seq, row_id=row_id, kind="changed", detail="prev_hash does not continue the chain")
        values = dict(row)
        recomputed = link_hash(
            chain=self.chain, seq=seq, prev_hash=prev_hash, content_digest=content_sha256(self._spec.content(values))
        )
        self._mismatch = f"row_hash stored {row_hash}, recomputed {recomputed}"
        intact = recomputed == row_hash
        if intact and self._spec.personal:
            if is_redacted(values["payload_raw"]):
                self.redacted += 1
            elif (
                personal_digest(payload_raw=values["payload_raw"], policy_input=values["policy_input"])
                != values["personal_sha256"]
            ):
                return self._break(
                    seq=seq,
                    row_id=row_id,
                    kind="changed",
                    detail="the personal fields (payload_raw, account name, reason text) differ from personal_sha256",
                )
        anchor = self.anchors.get(seq)
        if intact and anchor is not None:
            if anchor.row_hash != row_hash:
                return self._break(
                    seq=seq,
                    row_id=row_id,
                    kind="changed",
                    detail=f"row hash {row_hash} differs from the one the checkpoint of {anchor.signed_at} signed "
                    f"({anchor.row_hash}): a row after seq {self._anchored} and up to this one was changed and the "
                    "chain recomputed, or an older copy was restored and written to again",
                )
            self._anchored = seq
        self._before_last_hash = last.row_hash if last else None
        self._last = _Seen(seq=seq, row_id=row_id, prev_hash=prev_hash, row_hash=row_hash, intact=intact)
        self.rows += 1
        return None

    def _check_end(self) -> Break | None:
        last = self._last
        if last is not None and not last.intact:
            beyond = self.recorded_head is not None and last.seq > self.recorded_head
            kind = "inserted" if beyond else "changed"
            detail = _inserted(last.seq) if beyond else _changed(self._mismatch)
            return self._break(seq=last.seq, row_id=last.row_id, kind=kind, detail=detail)
        end = last.seq if last else self.start_seq
        if self.anchors:
            furthest = max(self.anchors.values(), key=lambda a: a.seq)
            if furthest.seq > end:
                return self._break(
                    seq=end + 1,
                    row_id=None,
                    kind="removed",
                    detail=f"the chain ends at seq {end}, but the checkpoint of {furthest.signed_at} signed seq "
                    f"{furthest.seq} (last row id {furthest.row_id}): the tail was truncated or an older copy restored",
                )
        if self.recorded_head is not None and self.recorded_head > end:
            return self._break(
                seq=end + 1,
                row_id=None,
                kind="removed",
                detail=f"the chain ends at seq {end}, but its recorded head is seq {self.recorded_head}",
            )
        return None


def _inserted(seq: int) -> str:
    return f"the row at seq {seq} is not part of the chain: the next row links to the row before it"


def _changed(mismatch: str) -> str:
    return f"the row's content no longer matches its hash ({mismatch})"
