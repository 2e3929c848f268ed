"""Freshness and health of the copy, for operations."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from lgsco_api.kit.query import QueryModel
from lgsco_shared.lag import LATE_AFTER_DAYS


class PublicationLagRead(BaseModel):
    """Days from decision date to first sight, over decisions the scheduled refresh found."""

    measured: int = Field(
        description="Decisions first stored by a refresh run (a backfill's first sight of an "
        "old decision says nothing about when it was published, so it is not measured)."
    )
    p50_days: int | None = Field(description="Median lag in days; null when none measured.")
    p95_days: int | None
    max_days: int | None
    late_after_days: int = Field(examples=[92])
    late: int = Field(
        description="Decisions first seen more than late_after_days after their date."
    )


class UnmappedOrganisation(BaseModel):
    """An organisation of unknown kind: a council the reference table did not match, or a body
    nothing classifies. Map it with `PATCH /v1/organisations/{id}` (scope admin)."""

    id: int = Field(description="Organisation id.", examples=[412])
    name: str = Field(description="Name as the LGSCO prints it.", examples=["Loamshire Council"])
    decisions: int = Field(description="Decisions naming it.", examples=[3])


class ServiceStatus(BaseModel):
    decisions_stored: int
    decisions_published: int
    decisions_withdrawn: int = Field(description="Taken down before about five years.")
    decisions_archived: int = Field(description="Taken down at about five years (aged out).")
    decisions_republished: int = Field(description="Taken down and published again.")
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
    organisations_unmapped: int = Field(
        default=0,
        description="Organisations of unknown kind, left out of every peer group until mapped.",
        examples=[1],
    )
    unmapped_organisations: list[UnmappedOrganisation] = Field(
        default_factory=list,
        description="The first 100 of them, most decided about first.",
    )
    publication_lag: PublicationLagRead = Field(
        description="How long after their decision date decisions appear: the refresh looks "
        "back at least six months, further if this says decisions come later."
    )


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"])
    checks: dict[str, str] = Field(examples=[{"database": "ok", "schema": "ok", "queue": "ok"}])


class StatusQuery(QueryModel):
    """GET /v1/status: what counts as published late."""

    late_after_days: int = Field(
        LATE_AFTER_DAYS,
        ge=1,
        le=3650,
        description="Count decisions first seen this many days late.",
    )
