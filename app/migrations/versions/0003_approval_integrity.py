"""Approval integrity: row versions for conditional writes, held cases, token provenance, the token on each event.

Revision ID: 0003_approval_integrity
Revises: 0002_approval_workflow
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from app.database import UtcDateTime

revision = "0003_approval_integrity"
down_revision = "0002_approval_workflow"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("save_cases") as table:
        table.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        table.add_column(sa.Column("hold_reason", sa.String(64)))
    with op.batch_alter_table("approval_tasks") as table:
        table.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("case_events") as table:
        table.add_column(sa.Column("token_id", sa.String(36)))
    with op.batch_alter_table("api_tokens") as table:
        # Tokens issued before this revision keep working as what they were.
        table.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="personal"))
        table.add_column(sa.Column("issued_by", sa.String(200)))
        table.add_column(sa.Column("exchanged_from_id", sa.String(36)))
        table.add_column(sa.Column("exchanged_at", UtcDateTime()))
        table.create_foreign_key("fk_api_tokens_exchanged_from", "api_tokens", ["exchanged_from_id"], ["id"])
    op.execute("UPDATE api_tokens SET kind = 'service' WHERE service_name IS NOT NULL")
    # Readiness writes a row here and rolls it back: a database that cannot write is not ready.
    op.create_table(
        "readiness_probes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("readiness_probes")
    with op.batch_alter_table("api_tokens") as table:
        table.drop_constraint("fk_api_tokens_exchanged_from", type_="foreignkey")
        for column in ("exchanged_at", "exchanged_from_id", "issued_by", "kind"):
            table.drop_column(column)
    with op.batch_alter_table("case_events") as table:
        table.drop_column("token_id")
    with op.batch_alter_table("approval_tasks") as table:
        table.drop_column("version")
    with op.batch_alter_table("save_cases") as table:
        table.drop_column("hold_reason")
        table.drop_column("version")
