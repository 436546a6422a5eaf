"""ORM model of the policy revisions the service has decided with: the release history."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, UtcDateTime


class PolicyRevision(Base):
    """One bundle revision OPA decided with, its release, and when it first and last did (migration 0006)."""

    __tablename__ = "policy_revisions"

    revision: Mapped[str] = mapped_column(String(200), primary_key=True)
    # None for a revision that names no release (a bare content hash, from before releases).
    release_name: Mapped[str | None] = mapped_column(String(64))
    first_decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Kept within a minute of the last decision: each process writes it at most once a minute per revision.
    last_decided_at: Mapped[datetime] = mapped_column(UtcDateTime())
