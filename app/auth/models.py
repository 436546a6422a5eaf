"""ORM model of API tokens: who holds them, who issued them, and what they were exchanged from."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, UtcDateTime


class ApiToken(Base):
    """A bearer token, stored only as its SHA-256 hash.

    kind: personal (acts as its person), temporary (issued by an administrator for
    someone else: can only be exchanged once for a personal token), service (a CRM
    integration bound to its source).
    """

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), index=True)
    service_name: Mapped[str | None] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(200))
    issued_by: Mapped[str | None] = mapped_column(String(200))
    exchanged_from_id: Mapped[str | None] = mapped_column(ForeignKey("api_tokens.id"))
    exchanged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
