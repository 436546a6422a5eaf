"""Approval workflow: directory, tokens, save cases, tasks, history, outbox.

Revision ID: 0002_approval_workflow
Revises: 0001_decision_log
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

from app.database import UtcDateTime

revision = "0002_approval_workflow"
down_revision = "0001_decision_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("decisions", sa.Column("case_id", sa.String(36), nullable=True))
    op.create_index("ix_decisions_case_id", "decisions", ["case_id"])

    op.create_table(
        "people",
        sa.Column("id", sa.String(200), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("notify_url", sa.String(2000)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "delegations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("person_id", sa.String(200), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("delegate_id", sa.String(200), sa.ForeignKey("people.id"), nullable=False, index=True),
        sa.Column("starts_at", UtcDateTime(), nullable=False),
        sa.Column("ends_at", UtcDateTime(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime()),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("person_id", sa.String(200), sa.ForeignKey("people.id"), index=True),
        sa.Column("service_name", sa.String(200)),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("revoked_at", UtcDateTime()),
        sa.CheckConstraint("(person_id IS NULL) <> (service_name IS NULL)", name="ck_api_tokens_one_principal"),
    )
    op.create_table(
        "save_cases",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("account_id", sa.String(200), nullable=False, index=True),
        sa.Column("owner_id", sa.String(200), index=True),
        sa.Column("requester_id", sa.String(200), index=True),
        sa.Column("status", sa.String(32), nullable=False, index=True),
        sa.Column("current_decision_id", sa.String(36), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("current_stage", sa.Integer()),
        sa.Column("renewal_date", sa.String(10)),
        sa.Column("authorized_offer", sa.JSON()),
        sa.Column("authorized_at", UtcDateTime()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "approval_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("save_cases.id"), nullable=False, index=True),
        sa.Column("decision_id", sa.String(36), sa.ForeignKey("decisions.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("stage", sa.Integer()),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("assignee_id", sa.String(200), index=True),
        sa.Column("status", sa.String(32), nullable=False, index=True),
        sa.Column("due_at", UtcDateTime(), index=True),
        sa.Column("escalates_task_id", sa.String(36), sa.ForeignKey("approval_tasks.id")),
        sa.Column("escalated_at", UtcDateTime()),
        sa.Column("acted_by", sa.String(200)),
        sa.Column("acted_on_behalf_of", sa.String(200)),
        sa.Column("acted_at", UtcDateTime()),
        sa.Column("comment", sa.Text()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(36), sa.ForeignKey("save_cases.id"), nullable=False, index=True),
        sa.Column("task_id", sa.String(36)),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("actor_id", sa.String(200)),
        sa.Column("on_behalf_of", sa.String(200)),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
        sa.Column("note", sa.Text()),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("target", sa.String(32), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UtcDateTime(), nullable=False, index=True),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime()),
    )


def downgrade() -> None:
    for table in ("outbox", "case_events", "approval_tasks", "save_cases", "api_tokens", "delegations", "people"):
        op.drop_table(table)
    op.drop_index("ix_decisions_case_id", "decisions")
    op.drop_column("decisions", "case_id")
