"""Ingest runs, their failures, and the latest run of each kind (for schedules and status)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lgsco_shared.domain import RunKind, RunStatus
from lgsco_shared.models import IngestFailure, IngestRun

MAX_FAILURES = 500


async def list_runs(
    session: AsyncSession,
    *,
    kind: RunKind | None,
    status: RunStatus | None,
    before_id: int | None,
    limit: int,
) -> tuple[list[IngestRun], int | None]:
    """Newest first; the id to continue before, or None on the last page."""
    query = select(IngestRun)
    if kind is not None:
        query = query.where(IngestRun.kind == kind)
    if status is not None:
        query = query.where(IngestRun.status == status)
    if before_id is not None:
        query = query.where(IngestRun.id < before_id)
    runs = list((await session.scalars(query.order_by(IngestRun.id.desc()).limit(limit + 1))).all())
    if len(runs) <= limit:
        return runs, None
    return runs[:limit], runs[limit - 1].id


async def failure_counts(session: AsyncSession, run_ids: list[int]) -> dict[int, int]:
    if not run_ids:
        return {}
    query = (
        select(IngestFailure.run_id, func.count())
        .where(IngestFailure.run_id.in_(run_ids))
        .group_by(IngestFailure.run_id)
    )
    rows = await session.execute(query)
    return {int(run_id): int(n) for run_id, n in rows if run_id is not None}


async def get_run(session: AsyncSession, run_id: int) -> IngestRun | None:
    return await session.get(IngestRun, run_id)


async def failures_of(session: AsyncSession, run_id: int) -> list[IngestFailure]:
    query = (
        select(IngestFailure)
        .where(IngestFailure.run_id == run_id)
        .order_by(IngestFailure.id)
        .limit(MAX_FAILURES)
    )
    return list((await session.scalars(query)).all())


async def latest_runs(session: AsyncSession, kinds: list[str]) -> dict[str, IngestRun]:
    """The newest run of each kind named."""
    if not kinds:
        return {}
    newest = (
        select(func.max(IngestRun.id)).where(IngestRun.kind.in_(kinds)).group_by(IngestRun.kind)
    )
    query = select(IngestRun).where(IngestRun.id.in_(newest))
    return {str(run.kind): run for run in (await session.scalars(query)).all()}


async def latest_scheduled(session: AsyncSession, names: list[str]) -> dict[str, IngestRun]:
    """The newest run each scheduled job (by name) created: the daily refresh and the weekly
    sweep are both refresh runs, told apart by `params.scheduled`."""
    if not names:
        return {}
    scheduled = IngestRun.params["scheduled"].astext
    newest = select(func.max(IngestRun.id)).where(scheduled.in_(names)).group_by(scheduled)
    query = select(IngestRun).where(IngestRun.id.in_(newest))
    return {str(run.params["scheduled"]): run for run in (await session.scalars(query)).all()}
