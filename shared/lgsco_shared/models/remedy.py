"""Remedies the Ombudsman agreed with a body, their tracking state, and its audit trail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lgsco_shared.db import Base
from lgsco_shared.domain import Provenance, RemedyCommitment, RemedyStatus, RemedyType
from lgsco_shared.models.types import CreatedAt, Timestamp, enum_column


class Remedy(Base):
    """One remedy item. `fingerprint` (type + sentence) keeps tracking data across re-ingests."""

    __tablename__ = "remedy"
    __table_args__ = (
        UniqueConstraint("decision_id", "fingerprint"),
        Index("ix_remedy_type_due_on", "type", "due_on"),
        Index("ix_remedy_due_on_id", "due_on", "id"),
        Index("ix_remedy_status_due_on", "status", "due_on"),  # overdue: pending, past due
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), index=True
    )
    fingerprint: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[RemedyType] = enum_column(RemedyType)
    sentence: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    payee: Mapped[str | None] = mapped_column(String(200))
    deadline_text: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    # Still stated by the current version of the decision; False keeps tracking data of one
    # that a later version no longer states, instead of deleting it.
    current: Mapped[bool] = mapped_column(default=True)
    # How the decision states it ("has apologised", "will pay", "should review", "offered"),
    # read from prose; `recommended` is kept apart from `agreed`.
    commitment: Mapped[RemedyCommitment] = enum_column(
        RemedyCommitment, default=RemedyCommitment.AGREED
    )
    status: Mapped[RemedyStatus] = enum_column(RemedyStatus, default=RemedyStatus.PENDING)
    # `inferred` from the decision's wording until a council records a status (`recorded`).
    status_source: Mapped[Provenance] = enum_column(Provenance, default=Provenance.INFERRED)
    completed_on: Mapped[date | None] = mapped_column(Date)
    evidence_note: Mapped[str | None] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(Integer, default=1)  # bumped on each PATCH (ETag)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[Timestamp | None]
    updated_by: Mapped[str | None] = mapped_column(String(200))


class RemedyEvent(Base):
    """Audit trail: who changed which tracking fields of a remedy, from what to what, when."""

    __tablename__ = "remedy_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    remedy_id: Mapped[int] = mapped_column(ForeignKey("remedy.id", ondelete="CASCADE"), index=True)
    actor: Mapped[str] = mapped_column(String(200))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB)
    at: Mapped[CreatedAt]
