"""Audit chains on PostgreSQL: rows are linked as their transaction commits, by the database.

A content digest column on every chained table (written by the service, cleared once the row is linked);
on PostgreSQL the link columns may be empty until the commit, the append-only guards let the linking
fill them in once, and a deferred trigger links each transaction's rows (app.audit.commit_links).

Revision ID: 0009_link_at_commit
Revises: 0008_audit_chains
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

from app.audit import commit_links, protection
from app.audit.spec import CHAIN_ORDER

revision = "0009_link_at_commit"
down_revision = "0008_audit_chains"
branch_labels = None
depends_on = None

_LINK_COLUMNS = ("chain_seq", "prev_hash", "row_hash")


def _driver_sql(statement: str) -> None:
    # Driver SQL, so ':' is no bind parameter ('%' is psycopg's, doubled).
    op.get_bind().exec_driver_sql(statement.replace("%", "%%"))


def upgrade() -> None:
    for chain in CHAIN_ORDER:
        op.add_column(chain, sa.Column("content_sha256", sa.String(64), nullable=True))
    if op.get_bind().dialect.name != "postgresql":
        return
    schema = op.get_bind().exec_driver_sql("SELECT current_schema()").scalar_one()
    for statement in [*protection.POSTGRES_FUNCTIONS, commit_links.postgres_function(schema)]:
        _driver_sql(statement)
    for chain in CHAIN_ORDER:
        for column in _LINK_COLUMNS:
            op.alter_column(chain, column, nullable=True)
        for statement in commit_links.postgres_triggers(chain):
            _driver_sql(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for chain in CHAIN_ORDER:
            for statement in commit_links.postgres_drops(chain):
                op.execute(statement)
            for column in _LINK_COLUMNS:
                op.alter_column(chain, column, nullable=False)
        op.execute("DROP FUNCTION IF EXISTS audit_link_chains()")
    for chain in CHAIN_ORDER:
        # SQLite 3.35+ drops a column in place, keeping the table's triggers (a batch copy would lose them).
        op.drop_column(chain, "content_sha256")
