"""Freshness and health of the copy, for operations."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class ServiceStatus(BaseModel):
    decisions_stored: int
    decisions_published: int
    decisions_withdrawn: int
    latest_decided_on: date | None = Field(description="Latest decision date stored.")
    last_changed_at: datetime | None = Field(
        description="Last time any decision was added or changed."
    )
    last_successful_crawl_at: datetime | None
    last_successful_refresh_at: datetime | None
    failures_last_24h: int
    runs_active: int = Field(description="Runs queued or running.")
    last_listing_fetch_at: datetime | None
    last_listing_was_search_shell: bool | None = Field(
        description="True when the newest search page fetched was an empty shell (likely blocked)."
    )
    queue_depth: int | None = Field(description="Jobs waiting in the queue; null if Redis is down.")


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"])
    checks: dict[str, str] = Field(examples=[{"database": "ok", "schema": "ok", "queue": "ok"}])
