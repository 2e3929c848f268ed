"""One-off ingest work from a terminal (`lgsco-worker ingest|crawl|reparse`, `lgsco ...`), as
coroutines: fetch references now, crawl date windows, re-parse stored pages. Each is recorded as a
run, so operations see it like any other."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from typing import Any, Protocol

from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.crawl import (
    Crawler,
    CrawlError,
    CrawlReport,
    FutureWindow,
    check_dates,
    month_windows,
    today_utc,
)
from lgsco_ingest.fetch import FetchError, SiteClient
from lgsco_ingest.pipeline import Ingestor, IngestOutcome
from lgsco_ingest.reparse import reparse_all
from lgsco_ingest.store import runs
from lgsco_ingest.worker import site_client
from lgsco_shared import crawlrange
from lgsco_shared.db import make_engine, make_sessionmaker
from lgsco_shared.domain import FetchResult, RunKind, RunStatus
from lgsco_shared.embedded import ServiceUrls
from lgsco_shared.models import IngestRun
from lgsco_shared.references import InvalidReference, normalise
from lgsco_shared.runcontrol import RunCancelled, StopCheck
from lgsco_shared.settings import Settings

Echo = Callable[[str], Any]


class BadArguments(ValueError):
    """What the operator typed cannot be run; the message says why, in one line."""


def references_from(typed: list[str]) -> list[str]:
    """Case references in their canonical form ('22 003 374'); BadArguments for a malformed one."""
    try:
        return [normalise(r) for r in typed]
    except InvalidReference as exc:
        raise BadArguments(str(exc)) from None


def window_from(from_: str, to: str) -> tuple[date, date]:
    """The dates of --from and --to; BadArguments unless they are dates in order, --from not
    after today."""
    try:
        start, end = date.fromisoformat(from_), date.fromisoformat(to)
    except ValueError:
        raise BadArguments("--from and --to must be dates like 2024-01-31") from None
    if end < start:
        raise BadArguments("--to is before --from")
    try:
        check_dates(start, end, today_utc())
    except FutureWindow as exc:
        raise BadArguments(f"--from {exc}") from None
    return start, end


@contextlib.asynccontextmanager
async def _ingest_context(
    settings: Settings, urls: ServiceUrls
) -> AsyncIterator[tuple[async_sessionmaker[AsyncSession], SiteClient]]:
    engine = make_engine(urls.database_url, pool=True)
    redis = Redis.from_url(urls.redis_url)
    client = site_client(settings, redis)
    try:
        yield make_sessionmaker(engine), client
    finally:
        await client.aclose()
        await redis.aclose()
        await engine.dispose()


@contextlib.asynccontextmanager
async def _recorded_run(
    sessionmaker: async_sessionmaker[AsyncSession], kind: RunKind, params: dict[str, Any]
) -> AsyncIterator[int]:
    """A run row for work started from the command line, so operations see it like any other."""
    now = datetime.now(UTC)
    async with sessionmaker.begin() as session:
        run = IngestRun(
            kind=kind,
            job_key=f"cli:{kind.value}:{now.isoformat()}",
            params=params,
            status=RunStatus.RUNNING,
            counts={},
            started_at=now,
            attempts=1,
        )
        session.add(run)
        await session.flush()
        run_id = run.id
    status, error = RunStatus.SUCCEEDED, None
    try:
        yield run_id
    except RunCancelled:  # DELETE /v1/jobs/{id} while it ran: stopped at a checkpoint
        status = RunStatus.CANCELLED
        raise
    except Exception as exc:
        status, error = RunStatus.FAILED, f"{type(exc).__name__}: {exc}"
        raise
    finally:
        async with sessionmaker.begin() as session:
            await session.execute(
                update(IngestRun)
                .where(IngestRun.id == run_id)
                .values(status=status, error=error, finished_at=datetime.now(UTC))
            )


async def ingest_references(
    settings: Settings, urls: ServiceUrls, references: list[str], *, echo: Echo
) -> bool:
    async with _ingest_context(settings, urls) as (sessionmaker, client):
        ingestor = Ingestor(sessionmaker, client)
        ok = True
        async with _recorded_run(
            sessionmaker, RunKind.INGEST_REFERENCE, {"references": references}
        ) as run_id:
            for reference in references:
                outcome = await ingestor.ingest(reference, run_id=run_id)
                echo(outcome.line())
                ok &= outcome.result not in (FetchResult.FAILED, FetchResult.NOT_FOUND)
        return ok


class CrawlProgress(Protocol):
    """What a crawl from a terminal reports as it goes (the `lgsco` command draws bars)."""

    def month(self, first: date, n: int, total: int) -> None: ...
    def decision(self, outcome: IngestOutcome) -> None: ...
    def done(self) -> None: ...


class Quiet:
    """No progress, only the summary (for callers that watch the run instead)."""

    def month(self, first: date, n: int, total: int) -> None:
        pass

    def decision(self, outcome: IngestOutcome) -> None:
        pass

    def done(self) -> None:
        pass


class PlainProgress:
    """A line per month, and one per failed decision: for logs and containers."""

    def __init__(self, echo: Echo) -> None:
        self.echo = echo

    def month(self, first: date, n: int, total: int) -> None:
        self.echo(f"month {first:%Y-%m} ({n}/{total})")

    def decision(self, outcome: IngestOutcome) -> None:
        if outcome.result == FetchResult.FAILED:
            self.echo(outcome.line())

    def done(self) -> None:
        pass


async def crawl_window(
    settings: Settings,
    urls: ServiceUrls,
    start: date,
    end: date,
    organisation: str | None,
    *,
    refresh: bool = False,
    echo: Echo,
    progress: CrawlProgress | None = None,
) -> bool:
    """Crawl [start, end] month by month, saying which month and how many of the windows are
    done; False if it stopped or a decision failed. An end after today is crawled up to today
    (said so); a start after today is refused before anything runs. Each month is one
    `Crawler.crawl` of its own window, which is what a crawl of the whole range does in turn; the
    run (one row) spans them all."""
    try:
        clamped = check_dates(start, end, today_utc())
    except FutureWindow as exc:
        echo(f"error: --from {exc}")
        return False
    if refused := crawlrange.refusal(start, clamped, settings.max_crawl_months):
        flag = "--from" if refused.startswith("'from'") else "--to"
        echo(f"error: {flag} {refused}")
        return False
    if clamped != end:
        echo(f"--to {end} is after today: crawling up to {clamped}")
    shown = progress or Quiet()
    windows = list(month_windows(start, clamped))
    async with _ingest_context(settings, urls) as (sessionmaker, client):
        stop = StopCheck(sessionmaker, None)  # the run's id once it is recorded
        crawler = Crawler(
            sessionmaker, client, concurrency=settings.crawl_concurrency, checkpoint=stop
        )
        params = {
            "from": start.isoformat(),
            "to": clamped.isoformat(),
            "organisation": organisation,
            "refresh": refresh,
        }
        report = CrawlReport()
        try:
            async with _recorded_run(sessionmaker, RunKind.CRAWL, params) as run_id:
                stop.run_id = run_id
                for n, (first, last) in enumerate(windows, start=1):
                    shown.month(first, n, len(windows))
                    done = await crawler.crawl(
                        first,
                        last,
                        organisation=organisation,
                        run_id=run_id,
                        refresh=refresh,
                        progress=shown.decision,
                    )
                    report.counts.update(done.counts)
                    report.windows_done += done.windows_done
                    report.windows_skipped += done.windows_skipped
                    report.windows_by_other_runs += done.windows_by_other_runs
                shown.done()
                async with sessionmaker.begin() as session:
                    await runs.add_counts(
                        await session.connection(), run_id, report.window_counts()
                    )
        except (CrawlError, FetchError) as exc:
            echo(f"crawl stopped: {exc} (run it again to resume where it stopped)")
            return False
        except RunCancelled as exc:
            echo(f"crawl cancelled: {exc} (run it again to resume where it stopped)")
            return False
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items())) or "no decisions"
    months_asked = f"{len(windows)} month{'s' if len(windows) != 1 else ''}"
    echo(f"{months_asked}: {report.summary('--refresh')}; {counts}")
    return report.counts.get(FetchResult.FAILED.value, 0) == 0


async def reparse_stored(
    urls: ServiceUrls, *, echo: Echo, include_quarantined: bool = False
) -> None:
    engine = make_engine(urls.database_url, pool=False)
    try:
        counts = await reparse_all(
            make_sessionmaker(engine),
            report=lambda ref, what: echo(f"{ref}  {what}"),
            include_quarantined=include_quarantined,
        )
    finally:
        await engine.dispose()
    echo(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "nothing stored")
