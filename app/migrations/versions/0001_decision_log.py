"""Decision log: one append-only row per decision.

Revision ID: 0001_decision_log
Revises:
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001_decision_log"
down_revision = None
branch_labels = None
depends_on = None

_json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "decisions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("payload_raw", sa.Text(), nullable=False),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.Column("policy_input", _json, nullable=False),
        sa.Column("decision", _json, nullable=False),
        sa.Column("policy_revision", sa.String(200), nullable=False),
        sa.Column("opa_decision_id", sa.String(64), nullable=True),
        sa.Column("decision_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.UniqueConstraint("source", "event_id", name="uq_decisions_source_event_id"),
    )
    op.create_index("ix_decisions_account_id", "decisions", ["account_id"])
    op.create_index("ix_decisions_outcome", "decisions", ["outcome"])
    op.create_index("ix_decisions_policy_revision", "decisions", ["policy_revision"])
    op.create_index("ix_decisions_decision_time", "decisions", ["decision_time"])

    # The log is evidence: the database itself refuses to change or remove a decision.
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the decision log is append-only: % is not allowed', TG_OP;
            END;
            $$
            """
        )
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


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS decisions_append_only ON decisions")
        op.execute("DROP FUNCTION IF EXISTS decisions_append_only()")
    op.drop_table("decisions")
