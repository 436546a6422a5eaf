"""Outcomes and programme measurement: the reported facts after a decision, and one row of facts per case.

Cases decided before this migration get their facts row here, from their current
decision, their first routing decision, the owner's first action and their
authorization, so the programme metrics count them too. No outcome was reported
before, so none is saved, confirmed or regretted yet; an account's repeat
concessions are judged the next time one of its cases changes.

Revision ID: 0005_outcomes_and_programme
Revises: 0004_decision_log_keyset
Create Date: 2026-11-24
"""

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.database import UtcDateTime
from app.vocabulary import CONCESSION_TYPES

# The metrics' indexes (app/programme/models.py says why), spelled here as they were at this revision.
_FILTER_COLUMNS = ("requested_at", "segment", "reason_class", "offer_type", "policy_revision")
_DURATION_COLUMNS = ("owner_response_seconds", "authorization_seconds")
_FUNNEL_COLUMNS = (
    *("reason_class", "offer_type", "segment", "policy_revision", "requested_at", "routed_at", "authorized_at"),
    *("presented_at", "accepted_at", "saved", "confirmed", "regretted", "discount_pct", "offer_cost"),
    *("credit_amount", "arr", "margin_after_pct", *_DURATION_COLUMNS),
)

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
    op.create_index("ix_programme_facts_account_authorized", "programme_case_facts", ["account_id", "authorized_at"])
    op.create_index("ix_programme_facts_regretted", "programme_case_facts", ["regretted", "requested_at"])
    op.create_index("ix_programme_facts_funnel", "programme_case_facts", list(_FUNNEL_COLUMNS))
    for column in _DURATION_COLUMNS:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(
            f"ix_programme_facts_{column}",
            "programme_case_facts",
            [column, *_FILTER_COLUMNS],
            sqlite_where=where,
            postgresql_where=where,
        )
    _backfill()


_cases = sa.table(
    "save_cases",
    sa.column("id", sa.String),
    sa.column("current_decision_id", sa.String),
    sa.column("created_at", UtcDateTime()),
    sa.column("authorized_at", UtcDateTime()),
)
_decisions = sa.table(
    "decisions",
    sa.column("id", sa.String),
    sa.column("case_id", sa.String),
    sa.column("account_id", sa.String),
    sa.column("outcome", sa.String),
    sa.column("policy_input", sa.JSON),
    sa.column("decision", sa.JSON),
    sa.column("policy_revision", sa.String),
    sa.column("decision_time", UtcDateTime()),
)
_tasks = sa.table(
    "approval_tasks",
    sa.column("case_id", sa.String),
    sa.column("role", sa.String),
    sa.column("kind", sa.String),
    sa.column("acted_at", UtcDateTime()),
)
_OWNER_ROLE = "account_owner"


def _existing(connection: sa.Connection) -> Iterator[Any]:
    routed = (
        sa.select(_decisions.c.case_id, sa.func.min(_decisions.c.decision_time).label("routed_at"))
        .where(_decisions.c.outcome == "route")
        .group_by(_decisions.c.case_id)
        .subquery()
    )
    owner = (
        sa.select(_tasks.c.case_id, sa.func.min(_tasks.c.acted_at).label("acted_at"))
        .where(_tasks.c.role == _OWNER_ROLE, _tasks.c.kind == "review", _tasks.c.acted_at.is_not(None))
        .group_by(_tasks.c.case_id)
        .subquery()
    )
    stmt = (
        sa.select(
            _cases.c.id,
            _cases.c.created_at,
            _cases.c.authorized_at,
            _decisions.c.account_id,
            _decisions.c.outcome,
            _decisions.c.policy_input,
            _decisions.c.decision,
            _decisions.c.policy_revision,
            _decisions.c.decision_time,
            routed.c.routed_at,
            owner.c.acted_at,
        )
        .join(_decisions, _decisions.c.id == _cases.c.current_decision_id)
        .outerjoin(routed, routed.c.case_id == _cases.c.id)
        .outerjoin(owner, owner.c.case_id == _cases.c.id)
    )
    yield from connection.execute(stmt)


def _row(case: Any) -> dict[str, Any]:
    evidence, derived = case.policy_input["case"], case.policy_input["derived"]
    offer = evidence["proposed_offer"]
    owner_seconds = (case.acted_at - case.routed_at).total_seconds() if case.acted_at and case.routed_at else None
    authorization_seconds = (case.authorized_at - case.decision_time).total_seconds() if case.authorized_at else None
    return {
        "case_id": case.id,
        "account_id": case.account_id,
        "requested_at": case.created_at,
        "segment": evidence["account"]["segment"],
        "reason_class": case.decision["reason_class"],
        "offer_type": offer["type"],
        "policy_revision": case.policy_revision,
        "outcome": case.outcome,
        "concession": offer["type"] in CONCESSION_TYPES,
        "arr": evidence["account"].get("arr"),
        "discount_pct": offer.get("discount_pct", 0),
        "duration_months": offer.get("duration_months", 0),
        "credit_amount": offer.get("credit_amount", 0),
        "offer_cost": derived.get("offer_cost"),
        "margin_after_pct": derived.get("margin_after_offer_pct"),
        "routed_at": case.routed_at,
        "owner_response_seconds": owner_seconds,
        "authorized_at": case.authorized_at,
        "authorization_seconds": authorization_seconds,
        "saved": False,
        "confirmed": False,
        "regretted": False,
    }


def _backfill() -> None:
    connection = op.get_bind()
    batch: list[dict[str, Any]] = []
    for case in _existing(connection):
        batch.append(_row(case))
        if len(batch) == 1000:
            connection.execute(_target(batch[0]), batch)
            batch = []
    if batch:
        connection.execute(_target(batch[0]), batch)


def _target(row: dict[str, Any]) -> sa.Insert:
    """INSERT into the facts table of the columns a row names (timestamps as the UTC type writes them)."""
    columns = (sa.column(name, UtcDateTime()) if name.endswith("_at") else sa.column(name) for name in row)
    return sa.table("programme_case_facts", *columns).insert()


def downgrade() -> None:
    op.drop_table("programme_case_facts")
    op.drop_table("outcome_events")
