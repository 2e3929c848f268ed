"""Outcome counts kept beside the decisions, so statistics read one row per combination that
occurs instead of one per decision.

One row per (organisation, category, subcategory, month, status, outcome) with how many
decisions have it; `organisation_id` 0 counts each decision once, whatever it names (a decision
about two councils is one decision). Database triggers (migration 0010) change the counts in the
same transaction as the decision or its organisation links, whichever code writes them, so the
table cannot drift from a count over `decision`; tests/api/test_outcome_summary.py checks that
after random ingests, withdrawals and re-parses.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lgsco_shared.db import Base

EVERY_DECISION = 0  # the organisation_id of the rows that count each decision once


class OutcomeSummary(Base):
    __tablename__ = "outcome_summary"
    __table_args__ = (
        Index(
            "ux_outcome_summary_key",
            "organisation_id",
            "category",
            "subcategory",
            "month",
            "status",
            "outcome",
            unique=True,
            postgresql_nulls_not_distinct=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(200))
    subcategory: Mapped[str | None] = mapped_column(String(200))
    month: Mapped[date | None] = mapped_column(Date)  # first day of the decision's month
    status: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str | None] = mapped_column(String(40))
    decisions: Mapped[int] = mapped_column(Integer)
