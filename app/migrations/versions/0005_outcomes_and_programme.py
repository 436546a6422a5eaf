"""Outcomes and programme measurement: the reported facts after a decision, and one row of facts per case.

A case decided before this migration gets its facts row the next time it changes
(app.programme.facts builds a missing row from the case's current decision).

Revision ID: 0005_outcomes_and_programme
Revises: 0004_decision_log_keyset
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from app.database import UtcDateTime

revision = "0005_outcomes_and_programme"
down_revision = "0004_decision_log_keyset"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcome_events",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("save_cases.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("amount", sa.Float(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("payload_sha256", sa.String(64), nullable=False),
        sa.UniqueConstraint("source", "event_id", name="uq_outcome_events_source_event_id"),
    )
    op.create_index("ix_outcome_events_case_occurred", "outcome_events", ["case_id", "occurred_at"])
    op.create_table(
        "programme_case_facts",
        sa.Column("case_id", sa.String(36), sa.ForeignKey("save_cases.id"), primary_key=True),
        sa.Column("account_id", sa.String(200), nullable=False),
        sa.Column("requested_at", UtcDateTime(), nullable=False),
        sa.Column("segment", sa.String(32), nullable=False),
        sa.Column("reason_class", sa.String(32), nullable=False),
        sa.Column("offer_type", sa.String(32), nullable=False),
        sa.Column("policy_revision", sa.String(200), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("concession", sa.Boolean(), nullable=False),
        sa.Column("arr", sa.Float(), nullable=True),
        sa.Column("discount_pct", sa.Float(), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=False),
        sa.Column("credit_amount", sa.Float(), nullable=False),
        sa.Column("offer_cost", sa.Float(), nullable=True),
        sa.Column("margin_after_pct", sa.Float(), nullable=True),
        sa.Column("routed_at", UtcDateTime(), nullable=True),
        sa.Column("owner_response_seconds", sa.Float(), nullable=True),
        sa.Column("authorized_at", UtcDateTime(), nullable=True),
        sa.Column("authorization_seconds", sa.Float(), nullable=True),
        sa.Column("presented_at", UtcDateTime(), nullable=True),
        sa.Column("accepted_at", UtcDateTime(), nullable=True),
        sa.Column("offer_declined_at", UtcDateTime(), nullable=True),
        sa.Column("stayed_at", UtcDateTime(), nullable=True),
        sa.Column("lost_at", UtcDateTime(), nullable=True),
        sa.Column("confirmed_at", UtcDateTime(), nullable=True),
        sa.Column("saved", sa.Boolean(), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("regretted", sa.Boolean(), nullable=False),
        sa.Column("regret_reasons", sa.String(200), nullable=True),
    )
    op.create_index("ix_programme_facts_requested", "programme_case_facts", ["requested_at"])
    op.create_index("ix_programme_facts_account_authorized", "programme_case_facts", ["account_id", "authorized_at"])
    op.create_index("ix_programme_facts_regretted", "programme_case_facts", ["regretted", "requested_at"])


def downgrade() -> None:
    op.drop_table("programme_case_facts")
    op.drop_table("outcome_events")
