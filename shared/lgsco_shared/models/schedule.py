"""Schedules as data: what the worker runs on its own and when, and what each due time became.

A schedule's cron expression is read in its own time zone; `next_run_at` is the next due time
(UTC), kept by the worker's scheduler tick. Each due time is one `schedule_run` row, unique on
(schedule_id, due_at): however many workers tick, a due time creates at most one run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from lgsco_shared.db import Base
from lgsco_shared.domain import ScheduleKind, ScheduleRunStatus
from lgsco_shared.models.types import CreatedAt, Timestamp, enum_column


class Schedule(Base):
    __tablename__ = "schedule"
    __table_args__ = (
        # The tick looks for enabled schedules that are due.
        Index("ix_schedule_due", "next_run_at", postgresql_where=text("enabled")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[ScheduleKind] = enum_column(ScheduleKind)
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    cron: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/London")
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(200))  # the API key's name
    changed_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[CreatedAt]
    changed_at: Mapped[Timestamp | None]
    next_run_at: Mapped[Timestamp | None]  # null: the next tick computes it (no catch-up)
    last_run_at: Mapped[Timestamp | None]  # the due time of the newest run created


class ScheduleRun(Base):
    """One due time of a schedule (or a "run now"): the run it created, or why it was skipped."""

    __tablename__ = "schedule_run"
    __table_args__ = (UniqueConstraint("schedule_id", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("schedule.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[ScheduleRunStatus] = enum_column(ScheduleRunStatus)
    run_id: Mapped[int | None] = mapped_column(
        ForeignKey("ingest_run.id", ondelete="SET NULL"), index=True
    )
    manual: Mapped[bool] = mapped_column(Boolean, default=False)  # run now, not a due time
    missed: Mapped[int] = mapped_column(default=0)  # earlier due times this one caught up
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[CreatedAt]
