"""Tamper-evident audit record: chain columns on every audit table, existing rows hashed in order, triggers.

Revision ID: 0008_audit_chains
Revises: 0007_shadow_decisions
Create Date: 2026-11-25
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from app.audit import protection
from app.audit.canonical import GENESIS
from app.audit.chain import link_values
from app.audit.spec import CHAIN_ORDER, CHAINS

revision = "0008_audit_chains"
down_revision = "0007_shadow_decisions"
branch_labels = None
depends_on = None

# The order existing rows join their chain: as they were recorded, ties broken by id.
_BACKFILL_ORDER = {
    "decisions": ("recorded_at", "id"),
    "outcome_events": ("received_at", "id"),
    "case_events": ("id",),
}
_BATCH = 1000


def _drop_old_triggers(postgres: bool) -> None:
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS decisions_append_only ON decisions")
    else:
        op.execute("DROP TRIGGER IF EXISTS decisions_no_update")
        op.execute("DROP TRIGGER IF EXISTS decisions_no_delete")


def _backfill(connection: sa.Connection, chain: str) -> tuple[int, str]:
    spec = CHAINS[chain]
    table = sa.Table(chain, sa.MetaData(), autoload_with=connection)
    order = [table.c[name] for name in _BACKFILL_ORDER[chain]]
    seq, prev = 0, GENESIS
    # Ids first (small), then the rows a batch at a time: a large log is never all in memory.
    ids = connection.execute(sa.select(table.c.id).order_by(*order)).scalars().all()
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        fetched = {r["id"]: r for r in connection.execute(sa.select(table).where(table.c.id.in_(batch))).mappings()}
        seq, prev = _link_batch(connection, table, spec, [fetched[i] for i in batch], seq, prev)
    return seq, prev


def _link_batch(
    connection: sa.Connection, table: sa.Table, spec: Any, rows: list[Any], seq: int, prev: str
) -> tuple[int, str]:
    staged: list[dict[str, Any]] = []
    for row in rows:
        seq += 1
        values = {k: v for k, v in row.items() if k not in ("chain_seq", "prev_hash", "row_hash")}
        if spec.personal:
            values["personal_sha256"] = None
        links = link_values(spec, values, seq=seq, prev_hash=prev)
        staged.append({"_id": row["id"], **links})
        prev = links["row_hash"]
    _write(connection, table, staged)
    return seq, prev


def _write(connection: sa.Connection, table: sa.Table, staged: list[dict[str, Any]]) -> None:
    if staged:
        columns: dict[str, Any] = {k: sa.bindparam(f"new_{k}") for k in staged[0] if k != "_id"}
        params = [{("_id" if k == "_id" else f"new_{k}"): v for k, v in row.items()} for row in staged]
        connection.execute(table.update().where(table.c.id == sa.bindparam("_id")).values(**columns), params)
        staged.clear()


def upgrade() -> None:
    connection = op.get_bind()
    postgres = connection.dialect.name == "postgresql"
    heads = op.create_table(
        "audit_chain_heads",
        sa.Column("chain", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
    )
    for chain in CHAIN_ORDER:
        op.add_column(chain, sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        op.add_column(chain, sa.Column("prev_hash", sa.String(64), nullable=True))
        op.add_column(chain, sa.Column("row_hash", sa.String(64), nullable=True))
    op.add_column("decisions", sa.Column("personal_sha256", sa.String(64), nullable=True))
    _drop_old_triggers(postgres)

    ends = {chain: _backfill(connection, chain) for chain in CHAIN_ORDER}
    op.bulk_insert(heads, [{"chain": c, "seq": s} for c, (s, _) in ends.items()])

    for chain in CHAIN_ORDER:
        op.create_index(f"uq_{chain}_chain_seq", chain, ["chain_seq"], unique=True)
        if postgres:
            for column in ("chain_seq", "prev_hash", "row_hash"):
                op.alter_column(chain, column, nullable=False)
    if postgres:
        op.alter_column("decisions", "personal_sha256", nullable=False)
        # Driver SQL, so the redaction marker's ':' is no bind parameter (and '%' is psycopg's, doubled).
        for statement in [
            *protection.POSTGRES_FUNCTIONS,
            *(s for c in CHAIN_ORDER for s in protection.postgres_triggers(c)),
        ]:
            connection.exec_driver_sql(statement.replace("%", "%%"))
    else:
        # SQLite cannot add NOT NULL to a column: the insert trigger refuses an unchained row instead.
        for chain in CHAIN_ORDER:
            for statement in protection.sqlite_triggers(chain):
                connection.exec_driver_sql(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for chain in CHAIN_ORDER:
        names = protection.postgres_trigger_names(chain) if postgres else protection.sqlite_trigger_names(chain)
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {chain}" if postgres else ""))
        op.drop_index(f"uq_{chain}_chain_seq", table_name=chain)
        for column in ("row_hash", "prev_hash", "chain_seq"):
            with op.batch_alter_table(chain) as batch:
                batch.drop_column(column)
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("personal_sha256")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
        op.execute(
            "CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions "
            "FOR EACH ROW EXECUTE FUNCTION decisions_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER decisions_no_{action.lower()} BEFORE {action} ON decisions "
                f"BEGIN SELECT RAISE(ABORT, 'the decision log is append-only: {action} is not allowed'); END"
            )
    op.drop_table("audit_chain_heads")
