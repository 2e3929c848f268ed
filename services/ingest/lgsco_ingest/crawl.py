"""Crawl the site's search by date window (a month at a time), checkpointed in the database.

Each window keeps `next_page`; a crawl that was interrupted (Ctrl-C, killed worker) starts
again at the page it had not finished, and re-storing the decisions of that page is a no-op.

Decisions are published weeks or months after their decision date, so a window is complete
only as of when it was read through: a window reaching into the current month is never marked
complete (a plain crawl reads it again), and `refresh` re-reads completed windows, with
conditional requests, to find what was published since.

Runs share windows through a lease on the window's row, not a lock held for the whole window:
a run that finds a window leased to another run skips it, crawls the rest, then comes back to
it; if the other run read it through in the meantime, that is enough. The holder renews its
lease while it works; the lease of a run that died runs out, and the run, resumed, takes its
own lease back at once.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import math
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest import periodic, site
from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.parsebox import Parser
from lgsco_ingest.pipeline import Ingestor, IngestOutcome, Unchanged
from lgsco_ingest.site.records import ParsedListing, ParseError
from lgsco_ingest.store import runs
from lgsco_shared import crawlrange
from lgsco_shared.domain import FetchResult
from lgsco_shared.models import CrawlWindow, ListingFetch
from lgsco_shared.references import normalise as normalise_reference
from lgsco_shared.runs import window_note

log = logging.getLogger(__name__)

Progress = Callable[[IngestOutcome], None]
# Called at each checkpoint; raises (lgsco_shared.runcontrol.RunCancelled) to stop the crawl.
Checkpoint = Callable[[], Awaitable[None]]

LEASE = timedelta(seconds=60)  # renewed every quarter of this while the window is crawled
REVISIT_EVERY = 5.0  # seconds between looks at windows other runs are crawling


class CrawlError(RuntimeError):
    """A listing could not be read (site down, or an empty search shell): the window stops here."""


class FutureWindow(ValueError):
    """A crawl that starts after today: no decision can be dated in the future."""


@dataclass(frozen=True, slots=True)
class _Claim:
    """Who crawls the windows of one call, and on what terms: the organisation searched for, the
    lease holder, the run, whether completed windows are read again, and when the run began."""

    organisation: str
    holder: str
    run_id: int | None
    refresh: bool
    since: datetime


class WindowState(enum.Enum):
    CRAWLED = "crawled"  # read through by this run
    COMPLETE = "complete"  # completed before, not re-read (no refresh)
    BY_OTHER_RUN = "by_other_run"  # read through by another run while this one waited
    BUSY = "busy"  # leased to another run: come back to it


@dataclass
class CrawlReport:
    counts: Counter[str] = field(default_factory=Counter)
    windows_done: int = 0  # read through by this crawl
    windows_skipped: int = 0  # already complete, not re-read
    windows_by_other_runs: int = 0  # read through by another run meanwhile
    clamped_to: date | None = None  # the end asked for was after today: crawled up to this

    def window_counts(self) -> dict[str, int]:
        """The figures a run records beside its per-decision counts."""
        return {
            "windows_crawled": self.windows_done,
            "windows_complete": self.windows_skipped,
            "windows_by_other_runs": self.windows_by_other_runs,
        }

    def summary(self, refresh_hint: str = "--refresh") -> str:
        """`2 windows crawled, 22 already complete` (and how to re-read them if none was)."""
        return window_note(self.window_counts(), refresh_hint) or ""


def month_windows(start: date, end: date) -> Iterator[tuple[date, date]]:
    """Split [start, end] into calendar-month windows (the first and last may be partial)."""
    current = start
    while current <= end:
        next_month = (current.replace(day=1) + timedelta(days=32)).replace(day=1)
        yield current, min(end, next_month - timedelta(days=1))
        current = next_month


def today_utc() -> date:
    return datetime.now(UTC).date()


def check_dates(start: date, end: date, today: date) -> date:
    """The end to crawl to: `end`, or today if `end` is later; a start after today is refused."""
    if start > today:
        raise FutureWindow(
            f"{start} is after today ({today}): no decision is dated in the future, "
            "so there is nothing to crawl"
        )
    return min(end, today)


class Crawler:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: SiteClient,
        *,
        concurrency: int = 1,
        lease: timedelta = LEASE,
        revisit_every: float = REVISIT_EVERY,
        today: Callable[[], date] = today_utc,
        checkpoint: Checkpoint | None = None,
        parser: Parser | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._stop_here = checkpoint
        self._client = client
        self._tally: Counter[str] = Counter()
        self._parser = parser or Parser()
        self._ingestor = Ingestor(sessionmaker, client, tally=self._tally, parser=self._parser)
        self._concurrency = concurrency
        self._lease = lease
        self._revisit_every = revisit_every
        self._today = today

    async def crawl(
        self,
        start: date,
        end: date,
        *,
        organisation: str | None = None,
        run_id: int | None = None,
        refresh: bool = False,
        since: datetime | None = None,
        progress: Progress | None = None,
    ) -> CrawlReport:
        """Crawl every window of [start, end]; `refresh` re-reads windows already completed.

        `since` is when the run began (a resumed run passes its first start): a window read
        through after it, by this run before a restart or by another run, is not read again.
        An end after today is crawled up to today; a start after today raises `FutureWindow`.
        """
        report = CrawlReport()
        today = self._today()
        start = max(start, crawlrange.EARLIEST)  # nothing is dated before: no empty windows
        clamped = check_dates(start, end, today)
        if clamped != end:
            report.clamped_to = clamped
        since = since or datetime.now(UTC)
        holder = f"run:{run_id}" if run_id is not None else f"crawl:{uuid.uuid4().hex}"
        claim = _Claim(organisation or "", holder, run_id, refresh, since)
        await self._client.prime()
        busy: list[tuple[date, date]] = []
        try:
            for window in month_windows(start, clamped):
                await self._may_stop()
                state = await self._crawl_window(window, claim, report, progress)
                self._record(report, state, busy, window)
            while busy:  # windows other runs were crawling: wait for their lease, look again
                await asyncio.sleep(self._revisit_every)
                waiting, busy = busy, []
                for window in waiting:
                    await self._may_stop()
                    state = await self._crawl_window(window, claim, report, progress)
                    self._record(report, state, busy, window)
        finally:
            await self._flush(run_id)  # decisions stored on a page the crawl did not finish
        return report

    async def _may_stop(self) -> None:
        """A checkpoint: between windows, and after a page's decisions and position are stored."""
        if self._stop_here is not None:
            await self._stop_here()

    async def _flush(self, run_id: int | None) -> None:
        counts = dict(self._tally)
        self._tally.clear()
        if run_id is None or not counts:
            return
        try:
            async with self._sessionmaker.begin() as session:
                await runs.add_counts(await session.connection(), run_id, counts)
        except Exception:
            log.warning("run %s: counts of an unfinished page were not recorded", run_id)

    @staticmethod
    def _record(
        report: CrawlReport,
        state: WindowState,
        busy: list[tuple[date, date]],
        window: tuple[date, date],
    ) -> None:
        if state is WindowState.CRAWLED:
            report.windows_done += 1
        elif state is WindowState.COMPLETE:
            report.windows_skipped += 1
        elif state is WindowState.BY_OTHER_RUN:
            report.windows_by_other_runs += 1
        else:
            log.info("window %s..%s is being crawled by another run; coming back to it", *window)
            busy.append(window)

    async def _crawl_window(
        self,
        window: tuple[date, date],
        claim: _Claim,
        report: CrawlReport,
        progress: Progress | None,
    ) -> WindowState:
        starts_on, ends_on = window
        organisation, holder, run_id = claim.organisation, claim.holder, claim.run_id
        window_id, state, page_number = await self._take(window, claim)
        if state is not None:
            return state
        # A window stays open (never completed) while new decisions may still be dated in it.
        completable = ends_on < self._today().replace(day=1)
        try:
            async with self._renewing(window_id, holder):
                while True:
                    listing = await self._listing(starts_on, ends_on, organisation, page_number)
                    await self._ingest_page(listing, run_id, report, progress)
                    pages = max(1, math.ceil(listing.total / site.RESULTS_PER_PAGE))
                    finished = page_number >= pages or not listing.items
                    await self._checkpoint(
                        window_id, holder, run_id, listing.total, page_number, finished, completable
                    )
                    if finished:
                        return WindowState.CRAWLED
                    page_number += 1
                    await self._may_stop()
        finally:
            await self._release(window_id, holder)

    async def _take(
        self, window_dates: tuple[date, date], claim: _Claim
    ) -> tuple[int, WindowState | None, int]:
        """Lease the window to crawl it: (id, None, page to start at); or (id, why not, 0)."""
        starts_on, ends_on = window_dates
        organisation, holder, run_id = claim.organisation, claim.holder, claim.run_id
        refresh, since = claim.refresh, claim.since
        now = datetime.now(UTC)
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
            read_through_since = window.crawled_at is not None and window.crawled_at >= since
            if read_through_since and window.lease_holder is None:
                # Read through after this run began: by this run before a restart, or by
                # another run while this one waited for it.
                mine = window.run_id == run_id and run_id is not None
                if mine:
                    return window.id, WindowState.CRAWLED, 0
                return window.id, WindowState.BY_OTHER_RUN, 0
            if (
                window.lease_holder not in (None, holder)
                and window.lease_until is not None
                and window.lease_until > now
            ):
                return window.id, WindowState.BUSY, 0
            if window.completed_at is not None and not refresh:
                return window.id, WindowState.COMPLETE, 0
            if refresh and (window.completed_at is not None or window.run_id != run_id):
                # Re-read from the first page; only this run's own progress is resumed.
                window.completed_at = None
                window.next_page = 1
            window.lease_holder = holder
            window.lease_until = now + self._lease
            window.run_id = run_id
            return window.id, None, window.next_page

    def _renewing(self, window_id: int, holder: str) -> AbstractAsyncContextManager[None]:
        """Renew the window's lease every quarter of its length while the window is crawled."""

        async def renew() -> None:
            async with self._sessionmaker.begin() as session:
                await session.execute(
                    update(CrawlWindow)
                    .where(CrawlWindow.id == window_id, CrawlWindow.lease_holder == holder)
                    .values(lease_until=datetime.now(UTC) + self._lease)
                )

        seconds = self._lease.total_seconds() / 4
        return periodic.every(seconds, renew, f"renewing the lease of window {window_id}")

    async def _release(self, window_id: int, holder: str) -> None:
        """Give the lease up (the checkpoint stays): best effort, as a lease also runs out."""
        try:
            async with self._sessionmaker.begin() as session:
                await session.execute(
                    update(CrawlWindow)
                    .where(CrawlWindow.id == window_id, CrawlWindow.lease_holder == holder)
                    .values(lease_holder=None, lease_until=None)
                )
        except Exception:
            log.warning("releasing window %s failed; its lease will run out", window_id)

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
            listing = (
                await self._parser.listing(page.text, url=path) if page.status == 200 else None
            )
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

    async def _checkpoint(
        self,
        window_id: int,
        holder: str,
        run_id: int | None,
        total: int,
        page_number: int,
        finished: bool,
        completable: bool,
    ) -> None:
        """Record the page done and the run's counts of its decisions in one transaction.

        A window read through is completed only if nothing can still be dated in it; an open
        window starts again at page 1 next time, and `crawled_at` says when it was read.
        """
        now = datetime.now(UTC)
        values: dict[str, object] = {
            "total": total,
            "next_page": page_number + 1,
            "updated_at": now,
            "lease_until": now + self._lease,
        }
        if finished:
            values |= {"crawled_at": now, "completed_at": now if completable else None}
            if not completable:
                values["next_page"] = 1
        counts = dict(self._tally)
        async with self._sessionmaker.begin() as session:
            await session.execute(
                update(CrawlWindow)
                .where(CrawlWindow.id == window_id)
                .values(**values, lease_holder=holder)
            )
            if run_id is not None:
                await runs.add_counts(await session.connection(), run_id, counts)
        self._tally.subtract(counts)
        self._tally += Counter()  # drop the zeros


__all__ = [
    "CrawlError",
    "CrawlReport",
    "Crawler",
    "FetchResult",
    "FutureWindow",
    "check_dates",
    "month_windows",
]
