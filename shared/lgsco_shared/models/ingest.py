"""Ingest runs, crawl checkpoints, quarantined pages and listing fetches (for /v1/status)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lgsco_shared.db import Base
from lgsco_shared.domain import RunKind, RunStatus
from lgsco_shared.models.types import CreatedAt, Timestamp, enum_column


class IngestRun(Base):
    """One job: what was asked, when it ran, what came of it. `job_key` collapses duplicates."""

    __tablename__ = "ingest_run"
    __table_args__ = (Index("ix_ingest_run_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_key: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[RunKind] = enum_column(RunKind)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[RunStatus] = enum_column(RunStatus, default=RunStatus.QUEUED, index=True)
    counts: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[CreatedAt]
    started_at: Mapped[Timestamp | None]
    finished_at: Mapped[Timestamp | None]
    heartbeat_at: Mapped[Timestamp | None]
    # Set by DELETE /v1/jobs/{id}: a running crawl stops at its next checkpoint.
    cancel_requested_at: Mapped[Timestamp | None]
    cancelled_by: Mapped[str | None] = mapped_column(String(200))


class CrawlWindow(Base):
    """Checkpoint of one date window: `next_page` to fetch, `completed_at` once every page is in.

    A window is complete as of `completed_at`: decisions are published months after their
    decision date, so a refresh re-reads it. A window reaching into the current month is never
    completed (`crawled_at` says when it was last read through). The lease (`lease_holder`
    until `lease_until`) lets one run crawl a window while others skip it and come back.
    """

    __tablename__ = "crawl_window"
    __table_args__ = (UniqueConstraint("starts_on", "ends_on", "organisation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    organisation: Mapped[str] = mapped_column(String(300), default="")  # "" = all
    total: Mapped[int | None] = mapped_column(Integer)
    next_page: Mapped[int] = mapped_column(Integer, default=1)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("ingest_run.id", ondelete="SET NULL"))
    completed_at: Mapped[Timestamp | None]
    updated_at: Mapped[Timestamp | None]
    crawled_at: Mapped[Timestamp | None]  # last time every page was read
    lease_holder: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[Timestamp | None]


class IngestFailure(Base):
    """A reference or page that could not be ingested, and why; parse failures keep the page."""

    __tablename__ = "ingest_failure"
    __table_args__ = (Index("ix_ingest_failure_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("ingest_run.id", ondelete="SET NULL"), index=True
    )
    reference: Mapped[str | None] = mapped_column(String(10), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(40))  # fetch | parse | not_found | store
    reason: Mapped[str] = mapped_column(Text)
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_page.id", ondelete="SET NULL"))
    created_at: Mapped[CreatedAt]


class ListingFetch(Base):
    """Each search-results page fetched; the latest says whether the site served an empty shell."""

    __tablename__ = "listing_fetch"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(1000))
    result_count: Mapped[int | None] = mapped_column(Integer)
    search_shell: Mapped[bool] = mapped_column(default=False)
    fetched_at: Mapped[CreatedAt]
