"""What the audit endpoints answer: the verification report and a signed checkpoint's location."""

from typing import Any

from pydantic import BaseModel


class ChainBreakRead(BaseModel):
    """The first link of a chain that does not hold."""

    seq: int
    row_id: str | None
    kind: str  # changed, removed or inserted
    detail: str


class ChainReportRead(BaseModel):
    chain: str
    rows: int
    head_seq: int
    checkpointed_seq: int
    redacted: int
    first_break: ChainBreakRead | None


class VerificationRead(BaseModel):
    """Every chain, recomputed against every signed checkpoint."""

    intact: bool
    checkpoints: int
    chains: list[ChainReportRead]


class CheckpointRead(BaseModel):
    """A checkpoint just signed: where it was written, and what it vouches for."""

    location: str
    chains: dict[str, Any]
