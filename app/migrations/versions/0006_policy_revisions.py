"""Release history: one row per policy revision the service decided with, its release, first and last use.

Revisions decided before this migration are listed too, from the decision log (the
revision index makes the grouping an index scan). A revision names its release as
`<release>@<content hash>`; the bare content hashes of earlier bundles name none.

Revision ID: 0006_policy_revisions
Revises: 0005_outcomes_and_programme
Create Date: 2026-11-25
"""

import re

import sqlalchemy as sa
from alembic import op

from app.database import UtcDateTime

revision = "0006_policy_revisions"
down_revision = "0005_outcomes_and_programme"
branch_labels = None
depends_on = None

# The release-name rule as it was at this revision (app/policy/release.py).
_RELEASE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _release_name(policy_revision: str) -> str | None:
    name, separator, _ = policy_revision.partition("@")
    return name if separator and _RELEASE_NAME.fullmatch(name) else None


def upgrade() -> None:
    revisions = op.create_table(
        "policy_revisions",
        sa.Column("revision", sa.String(200), primary_key=True),
        sa.Column("release_name", sa.String(64), nullable=True),
        sa.Column("first_decided_at", UtcDateTime(), nullable=False),
        sa.Column("last_decided_at", UtcDateTime(), nullable=False),
    )
    decisions = sa.table(
        "decisions", sa.column("policy_revision", sa.String), sa.column("decision_time", UtcDateTime())
    )
    used = op.get_bind().execute(
        sa.select(
            decisions.c.policy_revision,
            sa.func.min(decisions.c.decision_time),
            sa.func.max(decisions.c.decision_time),
        ).group_by(decisions.c.policy_revision)
    )
    rows = [
        {"revision": name, "release_name": _release_name(name), "first_decided_at": first, "last_decided_at": last}
        for name, first, last in used
    ]
    if rows:
        op.bulk_insert(revisions, rows)


def downgrade() -> None:
    op.drop_table("policy_revisions")
