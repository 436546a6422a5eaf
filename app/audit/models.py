"""ORM models of the audit record: the head of each chain, and the columns every chained row carries."""

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base


class AuditChainHead(Base):
    """How many rows a chain has: appenders lock this row, so rows join the chain one at a time, without gaps.

    A lock and a counter, not evidence: the verifier recomputes the chain from the rows, and reports a
    chain that ends before its recorded count.
    """

    __tablename__ = "audit_chain_heads"

    chain: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)


class ChainedRow:
    """The link columns of a row of an audit table (migrations 0008 and 0009)."""

    # The row's place, its predecessor's hash and its own hash. SQLite: set in the flush that writes the row
    # (app.audit.chain). PostgreSQL: set by the database as the transaction commits (app.audit.commit_links),
    # so they are None on a row this session has just written.
    chain_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))
    # PostgreSQL only: the digest of the row's content, handed to the commit-time linking, which clears it.
    content_sha256: Mapped[str | None] = mapped_column(String(64))
