"""Every query of the audit record (sync connections: the flush hook, migrations, the verifier CLI)."""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Table, select, update

from app.audit.models import AuditChainHead
from app.database import Base

_heads = AuditChainHead


def table_of(chain: str) -> Table:
    """The table of a chain."""
    table = Base.metadata.tables[chain]
    assert isinstance(table, Table)
    return table


def lock_head(connection: Connection, *, chain: str) -> tuple[int, str]:
    """The chain's head (last seq and hash), locked until the transaction ends.

    On PostgreSQL a row lock (FOR UPDATE) serializes appenders of one chain across processes;
    SQLite has one writer per database already (every write transaction begins IMMEDIATE).
    """
    stmt = select(_heads.seq, _heads.row_hash).where(_heads.chain == chain)
    if connection.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = connection.execute(stmt).one()
    return int(row.seq), str(row.row_hash)


def move_head(connection: Connection, *, chain: str, seq: int, row_hash: str) -> None:
    """Record the chain's new head."""
    connection.execute(update(_heads).where(_heads.chain == chain).values(seq=seq, row_hash=row_hash))


def recorded_heads(connection: Connection) -> dict[str, tuple[int, str]]:
    """Every chain's recorded head."""
    return {
        r.chain: (int(r.seq), str(r.row_hash))
        for r in connection.execute(select(_heads.chain, _heads.seq, _heads.row_hash))
    }


def stream_rows(connection: Connection, *, chain: str, after_seq: int = 0, batch: int = 2000) -> Iterator[Any]:
    """The chain's rows in chain order, fetched in batches through a server-side cursor."""
    table = table_of(chain)
    stmt = select(table).where(table.c.chain_seq > after_seq).order_by(table.c.chain_seq)
    result = connection.execution_options(stream_results=True, yield_per=batch).execute(stmt)
    for partition in result.mappings().partitions():
        yield from partition


def last_link(connection: Connection, *, chain: str) -> tuple[int, str, str] | None:
    """The chain's last row as stored: seq, row hash and row id."""
    table = table_of(chain)
    stmt = select(table.c.chain_seq, table.c.row_hash, table.c.id).order_by(table.c.chain_seq.desc()).limit(1)
    row = connection.execute(stmt).first()
    return None if row is None else (int(row.chain_seq), str(row.row_hash), str(row.id))


def row_by_id(connection: Connection, *, chain: str, row_id: str) -> Any:
    """One row of a chain by its id, as a mapping, or None."""
    table = table_of(chain)
    return connection.execute(select(table).where(table.c.id == row_id)).mappings().first()


def links_between(connection: Connection, *, chain: str, after_seq: int, through_seq: int) -> Iterator[Any]:
    """The link columns of the rows after one seq through another, in order."""
    table = table_of(chain)
    stmt = (
        select(table.c.chain_seq, table.c.prev_hash, table.c.row_hash, table.c.id)
        .where(table.c.chain_seq > after_seq, table.c.chain_seq <= through_seq)
        .order_by(table.c.chain_seq)
    )
    yield from connection.execution_options(stream_results=True, yield_per=5000).execute(stmt)


def redact(connection: Connection, *, decision_id: str, payload_raw: str, policy_input: Any) -> None:
    """Replace a decision's personal fields (the one UPDATE the decisions table allows)."""
    table = table_of("decisions")
    connection.execute(
        update(table).where(table.c.id == decision_id).values(payload_raw=payload_raw, policy_input=policy_input)
    )
