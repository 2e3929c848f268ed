"""arq jobs. The one queued function, `run_ingest`, takes a run id and re-reads the run row,
so a job run twice (arq may) or resumed after a crash does the same, idempotent work."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any, NotRequired, TypedDict

from sqlalchemy import cast, func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest import periodic
from lgsco_ingest.crawl import REVISIT_EVERY, Crawler, today_utc
from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.pipeline import Ingestor
from lgsco_ingest.reparse import reparse_all
from lgsco_shared import queue as jobqueue
from lgsco_shared import runs
from lgsco_shared.domain import FINISHED, PublicationStatus, RunKind, RunStatus
from lgsco_shared.lag import months_to_cover, publication_lag
from lgsco_shared.models import Decision, IngestRun
from lgsco_shared.runcontrol import RunCancelled, StopCheck
from lgsco_shared.schedule import SWEEP_MONTHS, months_back, refresh_months

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(seconds=45)  # default of the setting `stale_run_seconds`
HEARTBEATS_PER_STALE = 4  # a live run beats four times before it could be taken for dead


class JobContext(TypedDict):
    sessionmaker: async_sessionmaker[AsyncSession]
    client: SiteClient
    queue: jobqueue.Queue
    crawl_concurrency: int
    recheck_days: int
    stale_after: NotRequired[timedelta]  # no heartbeat for this long: the worker died
    today: NotRequired[Callable[[], date]]  # the date the schedule's windows end on (tests)
    revisit_every: NotRequired[float]  # seconds between looks at windows other runs hold


async def run_ingest(ctx: JobContext, run_id: int) -> str:
    """Carry out one ingest run; its row records status, timings, counts and the error."""
    sessionmaker = ctx["sessionmaker"]
    async with sessionmaker.begin() as session:
        run = await session.get(IngestRun, run_id, with_for_update=True)
        if run is None or run.status in FINISHED:
            return "nothing to do"
        if run.status == RunStatus.RUNNING and _fresh(run.heartbeat_at, _stale_after(ctx)):
            return "running elsewhere"
        if run.cancel_requested_at is not None:  # cancelled before a (resumed) start
            run.status, run.finished_at = RunStatus.CANCELLED, datetime.now(UTC)
            return RunStatus.CANCELLED.value
        run.status = RunStatus.RUNNING
        run.started_at = run.started_at or datetime.now(UTC)
        run.heartbeat_at = datetime.now(UTC)
        run.attempts += 1
        kind, params, started_at = run.kind, dict(run.params), run.started_at
    status, error, figures = RunStatus.SUCCEEDED, None, {}
    try:
        every = _stale_after(ctx).total_seconds() / HEARTBEATS_PER_STALE
        async with _heartbeat(sessionmaker, run_id, every):
            figures = await _dispatch(ctx, run_id, kind, params, started_at)
    except asyncio.CancelledError:
        raise  # shutdown: the run stays `running` and is resumed from its checkpoint
    except RunCancelled:
        log.info("run %s cancelled at a checkpoint", run_id, extra={"run_id": run_id})
        status = RunStatus.CANCELLED
    except Exception as exc:
        log.exception("run %s failed", run_id)
        status, error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
    async with sessionmaker.begin() as session:
        await session.execute(
            update(IngestRun)
            .where(IngestRun.id == run_id)
            .values(
                status=status,
                error=error,
                finished_at=datetime.now(UTC),
                counts=IngestRun.counts.op("||")(cast(figures, JSONB)),
            )
        )
    return status.value


async def _dispatch(
    ctx: JobContext,
    run_id: int,
    kind: RunKind,
    params: dict[str, Any],
    started_at: datetime | None,
) -> dict[str, int]:
    """Do the run's work; returns figures to add to its counts (a crawl's windows)."""
    crawler = Crawler(
        ctx["sessionmaker"],
        ctx["client"],
        concurrency=ctx["crawl_concurrency"],
        today=ctx.get("today", today_utc),
        revisit_every=ctx.get("revisit_every", REVISIT_EVERY),
        checkpoint=StopCheck(ctx["sessionmaker"], run_id),
    )
    if kind == RunKind.INGEST_REFERENCE:
        await Ingestor(ctx["sessionmaker"], ctx["client"]).ingest(
            params["reference"], run_id=run_id
        )
    elif kind == RunKind.CRAWL:
        report = await crawler.crawl(
            date.fromisoformat(params["from"]),
            date.fromisoformat(params["to"]),
            organisation=params.get("organisation"),
            run_id=run_id,
            refresh=bool(params.get("refresh")),
            since=started_at,
        )
        return report.window_counts()
    elif kind == RunKind.REFRESH:
        today = ctx.get("today", today_utc)()
        months = await _refresh_months(ctx, params)
        report = await crawler.crawl(
            months_back(today, months), today, run_id=run_id, refresh=True, since=started_at
        )
        return report.window_counts()
    elif kind == RunKind.RECHECK:
        await _recheck_slice(ctx, run_id, StopCheck(ctx["sessionmaker"], run_id))
    elif kind == RunKind.REPARSE:
        await reparse_all(ctx["sessionmaker"])
    return {}


async def _refresh_months(ctx: JobContext, params: dict[str, Any]) -> int:
    """Months a refresh looks back: its schedule's, widened to cover the longest publication
    lag the refresh has seen in the last year (plus a margin), up to the weekly sweep's 24.

    A run a schedule row created carries its `months`; an older run names its built-in entry."""
    given = params.get("months")
    months = int(given) if given is not None else refresh_months(str(params.get("scheduled") or ""))
    if months >= SWEEP_MONTHS:
        return months
    year_ago = datetime.now(UTC) - timedelta(days=365)
    async with ctx["sessionmaker"]() as session:
        lag = await publication_lag(session, since=year_ago)
    wider = months_to_cover(months, lag.max_days, cap=SWEEP_MONTHS)
    if wider > months:
        log.info(
            "refresh over %d months: decisions were published %s days late", wider, lag.max_days
        )
    return wider


async def _recheck_slice(ctx: JobContext, run_id: int, stop: StopCheck) -> None:
    """Re-fetch the least recently fetched 1/recheck_days of published decisions."""
    async with ctx["sessionmaker"]() as session:
        total = await session.scalar(select(func.count()).select_from(Decision)) or 0
        size = math.ceil(total / ctx["recheck_days"])
        rows = (
            await session.execute(
                select(Decision.reference, Decision.permalink)
                .where(Decision.status == PublicationStatus.PUBLISHED)
                .order_by(Decision.last_fetched_at, Decision.id)
                .limit(size)
            )
        ).all()
    ingestor = Ingestor(ctx["sessionmaker"], ctx["client"])
    for reference, permalink in rows:
        await stop()
        await ingestor.ingest(reference, run_id=run_id, path=permalink)


def _stale_after(ctx: JobContext) -> timedelta:
    return ctx.get("stale_after", STALE_AFTER)


def _fresh(heartbeat_at: datetime | None, stale_after: timedelta) -> bool:
    return heartbeat_at is not None and datetime.now(UTC) - heartbeat_at < stale_after


def _heartbeat(
    sessionmaker: async_sessionmaker[AsyncSession], run_id: int, every: float
) -> AbstractAsyncContextManager[None]:
    """Write the run's heartbeat every `every` seconds while it runs (a dead worker's run is
    recognised by a stale one, and queued again)."""

    async def beat() -> None:
        async with sessionmaker.begin() as session:
            await session.execute(
                update(IngestRun)
                .where(IngestRun.id == run_id)
                .values(heartbeat_at=datetime.now(UTC))
            )

    return periodic.every(every, beat, f"heartbeat of run {run_id}")


async def recover_stale_runs(ctx: JobContext) -> int:
    """Re-enqueue runs left `running` by a worker that died (no heartbeat for `stale_after`)."""
    cutoff = datetime.now(UTC) - _stale_after(ctx)
    async with ctx["sessionmaker"]() as session:
        stale = list(
            await session.scalars(
                select(IngestRun.id).where(
                    IngestRun.status == RunStatus.RUNNING, IngestRun.heartbeat_at < cutoff
                )
            )
        )
        queued = list(
            await session.scalars(select(IngestRun.id).where(IngestRun.status == RunStatus.QUEUED))
        )
    if stale:
        log.info("resuming run(s) %s: their worker stopped beating", stale, extra={"runs": stale})
    for run_id in stale:
        # A fresh job id: the dead worker's job may still hold its id in Redis.
        await jobqueue.enqueue(
            ctx["queue"],
            "run_ingest",
            run_id,
            job_id=f"run:{run_id}:resume:{int(cutoff.timestamp())}",
        )
    for run_id in queued:
        await runs.enqueue_run(ctx["queue"], run_id)  # no-op when already queued
    return len(stale)
