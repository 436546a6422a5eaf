"""Shadow mode: the decision a candidate release would have made for each logged decision.

Revision ID: 0007_shadow_decisions
Revises: 0006_policy_revisions
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from app.database import UtcDateTime

revision = "0007_shadow_decisions"
down_revision = "0006_policy_revisions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shadow_decisions",
        sa.Column("decision_id", sa.String(36), sa.ForeignKey("decisions.id"), primary_key=True),
        sa.Column("revision", sa.String(200), nullable=False),
        sa.Column("decision", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("evaluated_at", UtcDateTime(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
    )
    op.create_index("ix_shadow_decisions_revision", "shadow_decisions", ["revision"])


def downgrade() -> None:
    op.drop_index("ix_shadow_decisions_revision", table_name="shadow_decisions")
    op.drop_table("shadow_decisions")
