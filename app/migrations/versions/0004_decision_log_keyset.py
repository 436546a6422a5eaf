"""Decision log at scale: one index per filter in the log's reading order (newest first, then id).

A page of any filter is then an index range scan after the previous page's last
row (keyset paging), whatever the size of the log. The single-column indexes they
replace are dropped: each is the leading column of one of the new ones.

Revision ID: 0004_decision_log_keyset
Revises: 0003_approval_integrity
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_decision_log_keyset"
down_revision = "0003_approval_integrity"
branch_labels = None
depends_on = None

_NEW = {
    "ix_decisions_time_id": [],
    "ix_decisions_account_time_id": ["account_id"],
    "ix_decisions_outcome_time_id": ["outcome"],
    "ix_decisions_revision_time_id": ["policy_revision"],
}
_OLD = {
    "ix_decisions_account_id": "account_id",
    "ix_decisions_outcome": "outcome",
    "ix_decisions_policy_revision": "policy_revision",
    "ix_decisions_decision_time": "decision_time",
}


def upgrade() -> None:
    for name, leading in _NEW.items():
        op.create_index(name, "decisions", [*leading, sa.text("decision_time DESC"), "id"])
    for name in _OLD:
        op.drop_index(name, "decisions")


def downgrade() -> None:
    for name, column in _OLD.items():
        op.create_index(name, "decisions", [column])
    for name in _NEW:
        op.drop_index(name, "decisions")
