"""ORM model of the programme's facts: one row per save case, kept current as the case moves.

The programme metrics are SQL aggregates over this table, so every figure they need is a
column here, written when the fact happens (a decision, the owner's first action, the
authorization, an outcome), never derived by reading each case's history at query time.
"""

from datetime import datetime
from typing import Final

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import SaveCase
from app.database import Base, UtcDateTime

FILTER_COLUMNS: Final = ("requested_at", "segment", "reason_class", "offer_type", "policy_revision")
DURATION_COLUMNS: Final = ("owner_response_seconds", "authorization_seconds")
# The grouped pass's GROUP BY columns first, in its order, then every column it sums or filters on.
FUNNEL_COLUMNS: Final = (
    "reason_class",
    "offer_type",
    "segment",
    "policy_revision",
    "requested_at",
    "routed_at",
    "authorized_at",
    "presented_at",
    "accepted_at",
    "saved",
    "confirmed",
    "regretted",
    "discount_pct",
    "offer_cost",
    "credit_amount",
    "arr",
    "margin_after_pct",
    *DURATION_COLUMNS,
)


class CaseFacts(Base):
    """What the programme measures of one save case."""

    __tablename__ = "programme_case_facts"
    # The metrics read this table through three indexes (migration 0005; figures in the README's benchmark):
    # the funnel covers the grouped pass (in GROUP BY order, so SQLite needs no sort and no table read), and
    # each duration's partial index serves its percentiles in order. A period alone has no index of its
    # own: on SQLite one made the planner read a quarter of the table row by row, slower than the scan.
    __table_args__ = (
        Index("ix_programme_facts_account_authorized", "account_id", "authorized_at"),
        Index("ix_programme_facts_regretted", "regretted", "requested_at"),
        Index("ix_programme_facts_funnel", *FUNNEL_COLUMNS),
        *(
            Index(
                f"ix_programme_facts_{column}",
                column,
                *FILTER_COLUMNS,
                sqlite_where=text(f"{column} IS NOT NULL"),
                postgresql_where=text(f"{column} IS NOT NULL"),
            )
            for column in DURATION_COLUMNS
        ),
    )

    case_id: Mapped[str] = mapped_column(ForeignKey("save_cases.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(200))
    # When the save was first requested (the case's first decision): the period filter.
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # From the case's current decision.
    segment: Mapped[str] = mapped_column(String(32))
    reason_class: Mapped[str] = mapped_column(String(32))
    offer_type: Mapped[str] = mapped_column(String(32))
    policy_revision: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    concession: Mapped[bool] = mapped_column(Boolean)
    arr: Mapped[float | None] = mapped_column(Float)
    discount_pct: Mapped[float] = mapped_column(Float)
    duration_months: Mapped[int] = mapped_column(Integer)
    credit_amount: Mapped[float] = mapped_column(Float)
    offer_cost: Mapped[float | None] = mapped_column(Float)
    margin_after_pct: Mapped[float | None] = mapped_column(Float)
    # The workflow.
    routed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    owner_response_seconds: Mapped[float | None] = mapped_column(Float)
    authorized_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    authorization_seconds: Mapped[float | None] = mapped_column(Float)
    # What the save attempt led to (app.outcomes.judgement).
    presented_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    offer_declined_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    stayed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    lost_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    saved: Mapped[bool] = mapped_column(Boolean)
    confirmed: Mapped[bool] = mapped_column(Boolean)
    regretted: Mapped[bool] = mapped_column(Boolean)
    regret_reasons: Mapped[str | None] = mapped_column(String(200))

    # Never loaded (lazy="raise"): declared so one flush writes a new case before its facts.
    case: Mapped[SaveCase] = relationship(lazy="raise")
