"""Decisions as published, the organisations they name, and each version a page has had."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    Computed,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lgsco_shared.db import Base
from lgsco_shared.domain import Finding, OrganisationKind, Outcome, PublicationStatus
from lgsco_shared.models.organisation import Organisation
from lgsco_shared.models.types import CreatedAt, Timestamp, enum_column

# Summary ranks above body text; 'english' stems "apologise"/"apologised" alike.
SEARCH_VECTOR_SQL = (
    "setweight(to_tsvector('english', coalesce(summary, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(body_text, '')), 'B')"
)
# The lists' date order: undated decisions after every dated one when the newest come first.
# The lists write the same expression with the same constant (decisions.filters.SORT_DATE), and
# tests/api/test_list_plans.py checks that this index serves them.
SORT_DATE_SQL = "coalesce(decided_on, '-infinity'::date)"


class Decision(Base):
    __tablename__ = "decision"
    __table_args__ = (
        Index("ix_decision_search_vector", "search_vector", postgresql_using="gin"),
        # `outcome` rides along so a year's outcome counts read only this index (migration 0003).
        Index("ix_decision_decided_on_id", "decided_on", "id", postgresql_include=["outcome"]),
        Index("ix_decision_last_changed_at_id", "last_changed_at", "id"),
        Index("ix_decision_category_subcategory", "category", "subcategory"),
        Index("ix_decision_outcome_id", "outcome", "id"),
        # Lists in date order, alone and within a category (any case); migration 0011.
        Index("ix_decision_sort_date_id", text(SORT_DATE_SQL), "id"),
        Index(
            "ix_decision_category_sort_date_id", text("lower(category)"), text(SORT_DATE_SQL), "id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(10), unique=True)  # "22 003 374"
    permalink: Mapped[str] = mapped_column(String(400))  # path on the site
    category: Mapped[str | None] = mapped_column(String(200))
    subcategory: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[Outcome | None] = enum_column(Outcome, nullable=True)
    outcome_label: Mapped[str | None] = mapped_column(String(200))
    finding: Mapped[Finding | None] = enum_column(Finding, nullable=True)
    fine_outcome: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[date | None] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    body_text: Mapped[str] = mapped_column(Text)
    parse_warnings: Mapped[list[str]] = mapped_column(JSONB, default=list)
    has_remedy: Mapped[bool] = mapped_column(default=False, index=True)
    status: Mapped[PublicationStatus] = enum_column(
        PublicationStatus, default=PublicationStatus.PUBLISHED, index=True
    )
    withdrawn_on: Mapped[date | None] = mapped_column(Date)  # found gone (withdrawn or archived)
    republished_on: Mapped[date | None] = mapped_column(Date)  # last came back after being gone
    content_hash: Mapped[str] = mapped_column(String(64))
    parser_version: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[CreatedAt]  # the first sight, never rewritten
    # The run that first stored it: a decision the scheduled refresh found measures the lag
    # between decision date and publication; one a backfill found does not.
    first_seen_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("ingest_run.id", ondelete="SET NULL"), index=True
    )
    last_fetched_at: Mapped[Timestamp]
    last_changed_at: Mapped[Timestamp]
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_page.id", ondelete="SET NULL"))
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR, Computed(SEARCH_VECTOR_SQL, persisted=True), deferred=True
    )

    organisations: Mapped[list[Organisation]] = relationship(
        secondary="decision_organisation", order_by="DecisionOrganisation.position", viewonly=True
    )


class DecisionOrganisation(Base):
    __tablename__ = "decision_organisation"
    __table_args__ = (Index("ix_decision_organisation_org", "organisation_id", "decision_id"),)

    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decision.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    # The organisation's kind on the decision's date where it differs over time (a county
    # council replaced by a unitary one of the same name); None: the organisation's kind.
    kind: Mapped[OrganisationKind | None] = enum_column(OrganisationKind, nullable=True)


class DecisionVersion(Base):
    """One row per content a decision page has had: version 1 on first sight, +1 per change."""

    __tablename__ = "decision_version"
    __table_args__ = (UniqueConstraint("decision_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    parser_version: Mapped[str] = mapped_column(String(20))
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_page.id", ondelete="SET NULL"))
    changed_fields: Mapped[list[str]] = mapped_column(JSONB, default=list)
    recorded_at: Mapped[CreatedAt]
