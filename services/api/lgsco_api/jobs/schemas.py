"""Ingest runs as operations see them (schedules: lgsco_shared.schedules)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from lgsco_api.kit.query import PageQuery
from lgsco_shared.domain import RunKind, RunStatus
from lgsco_shared.runs import window_note


class FailureRead(BaseModel):
    id: int
    reference: str | None
    url: str
    kind: str = Field(description="fetch | parse | not_found | store")
    reason: str
    created_at: datetime


class RunRead(BaseModel):
    id: int
    kind: RunKind
    status: RunStatus
    params: dict[str, Any] = Field(
        examples=[{"kind": "ingest_reference", "reference": "22 003 374"}]
    )
    counts: dict[str, int] = Field(
        description=(
            "Per-reference results: new, changed, unchanged, withdrawn, archived, republished, "
            "not_found, failed; a "
            "crawl or refresh also counts its month windows: windows_crawled, windows_complete "
            "(completed before and skipped) and windows_by_other_runs."
        ),
        examples=[{"new": 10, "changed": 1, "unchanged": 88, "failed": 0, "windows_crawled": 2}],
    )
    note: str | None = Field(
        default=None,
        description="What a crawl did with its windows, and what to do when it read none.",
        examples=['0 windows crawled, 24 already complete; use "refresh": true to re-read them'],
    )
    error: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    cancel_requested_at: datetime | None = Field(
        default=None,
        description="When DELETE /v1/jobs/{id} asked the run to stop (it stops at a checkpoint).",
    )
    cancelled_by: str | None = Field(default=None, description="The key that cancelled it.")
    duration_seconds: float | None
    failures_count: int
    href: str = Field(examples=["/v1/jobs/42"])


class RunDetail(RunRead):
    failures: list[FailureRead] = Field(description="The first 500 failures recorded by the run.")


class JobAccepted(RunRead):
    created: bool = Field(description="False when an equal request was already queued or running.")


class RunPage(BaseModel):
    items: list[RunRead]
    next_cursor: str | None
    limit: int


class LastRun(BaseModel):
    id: int
    status: RunStatus
    created_at: datetime
    finished_at: datetime | None


def run_read(run: Any, failures_count: int) -> dict[str, Any]:
    """Fields of RunRead from an ingest_run row, with its duration and link."""
    values = {f: getattr(run, f) for f in RunRead.model_fields if hasattr(run, f)}
    end = run.finished_at or run.heartbeat_at
    values["duration_seconds"] = (
        round((end - run.started_at).total_seconds(), 3) if run.started_at and end else None
    )
    values["failures_count"] = failures_count
    values["href"] = f"/v1/jobs/{run.id}"
    values["counts"] = {k: int(v) for k, v in (run.counts or {}).items()}
    values["note"] = window_note(values["counts"], '"refresh": true')
    return values


class JobListQuery(PageQuery):
    """GET /v1/jobs: runs of one kind or status, a page at a time."""

    kind: RunKind | None = None
    status: RunStatus | None = None
