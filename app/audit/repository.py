"""Every query of the audit record (sync connections: the flush hook, migrations, the verifier CLI)."""

from collections.abc import Iterator
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, Connection, Table, bindparam, select, update

from app.audit.canonical import GENESIS
from app.audit.models import AuditChainHead
from app.database import Base
from app.errors import ChainBroken

_heads = AuditChainHead


def table_of(chain: str) -> Table:
    """The table of a chain."""
    table = Base.metadata.tables[chain]
    assert isinstance(table, Table)
    return table


@cache
def _reserve_statements(chain: str) -> tuple[Any, Any, Any]:
    # Built once per chain (Core, a bound count): this runs in every flush that appends to a chain.
    heads, table = _heads_table(), table_of(chain)
    count = bindparam("count", type_=BigInteger)
    bump = update(heads).where(heads.c.chain == chain).values(seq=heads.c.seq + count)
    prev_row = select(table.c.row_hash).where(table.c.chain_seq == heads.c.seq - count).scalar_subquery()
    row_at = select(table.c.row_hash).where(table.c.chain_seq == bindparam("seq"))
    return bump.returning(heads.c.seq - count, prev_row), bump.returning(heads.c.seq - count), row_at


def reserve(connection: Connection, *, chain: str, count: int) -> tuple[int, str]:
    """Reserve the chain's next `count` places: return the seq before them and the hash of the row at it.

    The head row is updated first, which locks it until the transaction ends: appenders of one chain
    queue there, across processes, and each then reads the row its first place follows. On PostgreSQL
    that read is a statement of its own, so it sees the row the previous appender committed while this
    one waited; SQLite (one writer) does both in one statement.
    """
    with_prev, bump, row_at = _reserve_statements(chain)
    if connection.dialect.name == "sqlite":
        before, prev = connection.execute(with_prev, {"count": count}).one()
    else:
        before = connection.execute(bump, {"count": count}).scalar_one()
        prev = connection.execute(row_at, {"seq": before}).scalar()
    if before == 0:
        return 0, GENESIS
    if prev is None:
        # The chain's last row is gone: appending would hide that, so nothing is written.
        raise ChainBroken(
            f"Nothing was recorded: the {chain} audit chain has no row at seq {before}, its last place. "
            "Run python -m app.audit verify."
        )
    return int(before), str(prev)


def _heads_table() -> Table:
    table = AuditChainHead.__table__
    assert isinstance(table, Table)
    return table


def recorded_heads(connection: Connection) -> dict[str, int]:
    """Every chain's recorded last seq."""
    return {r.chain: int(r.seq) for r in connection.execute(select(_heads.chain, _heads.seq))}


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


def first_unlinked(connection: Connection, *, chain: str) -> str | None:
    """The id of a committed row of the chain that has no place in it, if any (the linking was bypassed)."""
    table = table_of(chain)
    row_id = connection.execute(select(table.c.id).where(table.c.chain_seq.is_(None)).limit(1)).scalar()
    return None if row_id is None else str(row_id)


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
