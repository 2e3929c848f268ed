"""Crawl the site's search by date window (a month at a time), checkpointed in the database.

Each window keeps `next_page`; a crawl that was interrupted (Ctrl-C, killed worker) starts
again at the page it had not finished, and re-storing the decisions of that page is a no-op.
"""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco.ingest import site
from lgsco.ingest.fetch import SiteClient
from lgsco.ingest.pipeline import Ingestor, IngestOutcome, Unchanged
from lgsco.ingest.sources.base import ParsedListing, ParseError
from lgsco.ingest.sources.lgsco import parse_listing
from lgsco.shared.domain import FetchResult
from lgsco.shared.models import CrawlWindow, ListingFetch
from lgsco.shared.references import normalise as normalise_reference

Progress = Callable[[IngestOutcome], None]


class CrawlError(RuntimeError):
    """A listing could not be read (site down, or an empty search shell): the window stops here."""


@dataclass
class CrawlReport:
    counts: Counter[str] = field(default_factory=Counter)
    windows_done: int = 0
    windows_skipped: int = 0


def month_windows(start: date, end: date) -> Iterator[tuple[date, date]]:
    """Split [start, end] into calendar-month windows (the first and last may be partial)."""
    current = start
    while current <= end:
        next_month = (current.replace(day=1) + timedelta(days=32)).replace(day=1)
        yield current, min(end, next_month - timedelta(days=1))
        current = next_month


class Crawler:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: SiteClient,
        *,
        concurrency: int = 1,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._client = client
        self._ingestor = Ingestor(sessionmaker, client)
        self._concurrency = concurrency

    async def crawl(
        self,
        start: date,
        end: date,
        *,
        organisation: str | None = None,
        run_id: int | None = None,
        refresh: bool = False,
        progress: Progress | None = None,
    ) -> CrawlReport:
        """Crawl every window; `refresh` re-reads windows already completed (for recent months)."""
        report = CrawlReport()
        await self._client.prime()
        for window_start, window_end in month_windows(start, end):
            done = await self._crawl_window(
                window_start, window_end, organisation or "", run_id, refresh, report, progress
            )
            if done:
                report.windows_done += 1
            else:
                report.windows_skipped += 1
        return report

    async def _crawl_window(
        self,
        starts_on: date,
        ends_on: date,
        organisation: str,
        run_id: int | None,
        refresh: bool,
        report: CrawlReport,
        progress: Progress | None,
    ) -> bool:
        async with self._sessionmaker() as lock_session:
            # Held for the whole window: two workers never crawl the same window at once.
            key = f"window:{starts_on}:{ends_on}:{organisation}"
            await lock_session.execute(text("SELECT pg_advisory_lock(hashtext(:k))"), {"k": key})
            try:
                window = await self._checkpoint(starts_on, ends_on, organisation, run_id, refresh)
                if window.completed_at is not None:
                    return False
                page_number = window.next_page
                while True:
                    listing = await self._listing(starts_on, ends_on, organisation, page_number)
                    await self._ingest_page(listing, run_id, report, progress)
                    pages = max(1, math.ceil(listing.total / site.RESULTS_PER_PAGE))
                    finished = page_number >= pages or not listing.items
                    await self._save_progress(window.id, listing.total, page_number + 1, finished)
                    if finished:
                        return True
                    page_number += 1
            finally:
                await lock_session.execute(
                    text("SELECT pg_advisory_unlock(hashtext(:k))"), {"k": key}
                )
                await lock_session.commit()

    async def _checkpoint(
        self, starts_on: date, ends_on: date, organisation: str, run_id: int | None, refresh: bool
    ) -> CrawlWindow:
        async with self._sessionmaker.begin() as session:
            await session.execute(
                insert(CrawlWindow)
                .values(
                    starts_on=starts_on, ends_on=ends_on, organisation=organisation, next_page=1
                )
                .on_conflict_do_nothing()
            )
            window = await session.scalar(
                select(CrawlWindow)
                .where(
                    CrawlWindow.starts_on == starts_on,
                    CrawlWindow.ends_on == ends_on,
                    CrawlWindow.organisation == organisation,
                )
                .with_for_update()
            )
            assert window is not None
            if refresh and window.completed_at is not None:
                window.completed_at = None
                window.next_page = 1
            window.run_id = run_id
            return window

    async def _listing(
        self, starts_on: date, ends_on: date, organisation: str, page_number: int
    ) -> ParsedListing:
        path = site.search_path(
            decided_from=starts_on,
            decided_to=ends_on,
            page=page_number,
            organisation=organisation or None,
        )
        page = await self._client.get(path)  # FetchError propagates: the run records it
        try:
            listing = parse_listing(page.text, url=path) if page.status == 200 else None
        except ParseError as exc:
            await self._record_listing(path, None, search_shell=True)
            raise CrawlError(f"listing {path} could not be read: {exc.reason}") from exc
        if listing is None:
            raise CrawlError(f"listing {path} answered HTTP {page.status}")
        await self._record_listing(path, listing.total, search_shell=False)
        return listing

    async def _record_listing(self, path: str, total: int | None, *, search_shell: bool) -> None:
        async with self._sessionmaker.begin() as session:
            await session.execute(
                insert(ListingFetch).values(url=path, result_count=total, search_shell=search_shell)
            )

    async def _ingest_page(
        self,
        listing: ParsedListing,
        run_id: int | None,
        report: CrawlReport,
        progress: Progress | None,
    ) -> None:
        """Ingest a listing page's decisions; the unchanged ones are recorded together at the end.

        Every page is still fetched (conditionally, so mostly a bodiless 304), even when its
        listing row matches what is stored and it was fetched recently: the daily refresh is
        there to notice changes to recent decisions that a listing row does not show (an edited
        text, a new template, a 410), and it must notice them that day, not within the recheck
        period. What an unchanged page no longer costs is a transaction, a lock and a write of
        its own: the listing page's unchanged decisions are recorded in one statement.
        """
        limit = asyncio.Semaphore(self._concurrency)
        references = [normalise_reference(item.reference) for item in listing.items]
        known = await self._ingestor.known(references)
        unchanged: list[Unchanged] = []

        def done(outcome: IngestOutcome) -> None:
            report.counts[outcome.result.value] += 1
            if progress is not None:
                progress(outcome)

        async def one(reference: str, path: str) -> None:
            async with limit:
                fetched = await self._ingestor.fetch_and_store(
                    reference, run_id=run_id, path=path, known=known.get(reference)
                )
            if isinstance(fetched, Unchanged):
                unchanged.append(fetched)
            else:
                done(fetched)

        await asyncio.gather(
            *(one(ref, item.url) for ref, item in zip(references, listing.items, strict=True))
        )
        for outcome in await self._ingestor.record_unchanged(unchanged, run_id):
            done(outcome)

    async def _save_progress(
        self, window_id: int, total: int, next_page: int, finished: bool
    ) -> None:
        now = datetime.now(UTC)
        async with self._sessionmaker.begin() as session:
            await session.execute(
                update(CrawlWindow)
                .where(CrawlWindow.id == window_id)
                .values(
                    total=total,
                    next_page=next_page,
                    updated_at=now,
                    completed_at=now if finished else None,
                )
            )


__all__ = ["CrawlError", "CrawlReport", "Crawler", "FetchResult", "month_windows"]
