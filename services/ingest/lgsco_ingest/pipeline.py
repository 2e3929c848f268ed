"""Ingest one reference: resolve its page, fetch it politely, parse, normalise, store.

Each reference is one transaction: a decision is stored whole or not at all, and a page that
cannot be read is kept (raw) and quarantined with the reason. A page that says what is stored
(a 304, or the same bytes) only updates the decision's fetch time; a crawl writes those of a
whole listing page in one transaction, with the run's count.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from lgsco_ingest import site
from lgsco_ingest.extract.normalise import DecisionRecord
from lgsco_ingest.fetch import FetchError, OffSiteURL, Page, SiteClient, site_path
from lgsco_ingest.parsebox import ParseLimit, Parser
from lgsco_ingest.site.records import ParseError
from lgsco_ingest.store import decisions, pages, runs, state
from lgsco_shared.db import connection_lost
from lgsco_shared.domain import FetchResult, PublicationStatus
from lgsco_shared.references import normalise as normalise_reference

log = logging.getLogger(__name__)

# A deadlock or a serialization failure is tried again this many times in all before the
# decision is recorded as a store failure; a constraint or data error is not tried again.
STORE_ATTEMPTS = 3
_TRANSIENT = frozenset({"40P01", "40001"})  # deadlock detected, serialization failure


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    reference: str
    result: FetchResult
    reason: str | None = None

    def line(self) -> str:
        """One line of `lgsco ingest` output: `22 003 374  new`, `... failed: reason`."""
        tail = f": {self.reason}" if self.reason else ""
        return f"{self.reference}  {self.result.value}{tail}"


@dataclass(frozen=True, slots=True)
class Unchanged:
    """A fetched page that says what is stored (a 304, or the stored bytes again): only its fetch
    time is left to write, which `Ingestor.record_unchanged` does for many pages at once."""

    reference: str
    known: state.Known
    page: Page


class Ingestor:
    """Fetch, parse and store decisions.

    With a `tally`, the results are added to it once committed and the caller writes them to
    the run with its checkpoint (a crawl: one UPDATE of the run per listing page, so that
    concurrent decision transactions do not queue on the run's row). Without one, each result
    is counted on the run in the decision's own transaction.
    """

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: SiteClient,
        *,
        tally: Counter[str] | None = None,
        parser: Parser | None = None,
    ) -> None:
        # Writes are Core statements: a connection of the sessionmaker's engine does them without
        # the cost of an ORM session per transaction.
        engine = sessionmaker.kw.get("bind")
        if not isinstance(engine, AsyncEngine):
            raise TypeError("the sessionmaker must be bound to an AsyncEngine")
        self._engine = engine
        self._client = client
        self._tally = tally
        self._parser = parser or Parser()

    async def _count(
        self, conn: AsyncConnection, run_id: int | None, result: FetchResult, n: int = 1
    ) -> None:
        """Count `result` on the run in this transaction, unless a tally collects it."""
        if run_id is not None and self._tally is None:
            await runs.count_result(conn, run_id, result, n)

    def _tallied(self, result: FetchResult, n: int = 1) -> None:
        """After the commit: add `result` to the tally, if there is one."""
        if self._tally is not None and n:
            self._tally[result.value] += n

    async def ingest(
        self, reference: str, *, run_id: int | None = None, path: str | None = None
    ) -> IngestOutcome:
        """Fetch and store one decision; never raises for site or page problems.

        The run's count of the result is written in the same transaction as the result, so a
        worker killed at any point leaves counts that agree with what was stored.
        """
        reference = normalise_reference(reference)
        known = (await self.known([reference])).get(reference)
        fetched = await self.fetch_and_store(reference, run_id=run_id, path=path, known=known)
        if isinstance(fetched, Unchanged):
            return (await self.record_unchanged([fetched], run_id))[0]
        return fetched

    async def known(self, references: Sequence[str]) -> dict[str, state.Known]:
        """What is stored of canonical `references`, in one query (a crawl: per listing page)."""
        async with self._engine.connect() as conn:
            return await state.known(conn, references)

    async def fetch_and_store(
        self, reference: str, *, run_id: int | None, path: str | None, known: state.Known | None
    ) -> IngestOutcome | Unchanged:
        """Fetch canonical `reference` (conditionally when `known`) and store what changed.

        A page that says what is stored is returned as `Unchanged`, not written: the caller
        passes it to `record_unchanged`, alone or with others.
        """
        try:
            path = path or (known.permalink if known else None) or await self.resolve(reference)
            if path is None:
                await self._fail(
                    run_id,
                    reference,
                    "",
                    "not_found",
                    "not found on the site",
                    FetchResult.NOT_FOUND,
                )
                return IngestOutcome(reference, FetchResult.NOT_FOUND, "not found on the site")
            path = _permalink(path, self._client.site_url)
            conditional = known is not None and known.permalink == path
            page = await self._client.get(
                path,
                etag=known.etag if conditional and known else None,
                last_modified=known.last_modified if conditional and known else None,
            )
        except (FetchError, OffSiteURL) as exc:
            unavailable = isinstance(exc, FetchError) and exc.status != 200
            reason = f"site unavailable: {exc}" if unavailable else str(exc)
            await self._fail(run_id, reference, path or "", "fetch", reason)
            return IngestOutcome(reference, FetchResult.FAILED, reason)
        except ParseError as exc:  # the search page could not be read
            await self._fail(run_id, reference, "", "parse", exc.reason)
            return IngestOutcome(reference, FetchResult.FAILED, exc.reason)
        if known is not None and _says_what_is_stored(known, page):
            return Unchanged(reference, known, page)
        return await self._store(reference, page, run_id)

    async def record_unchanged(
        self, pages: Sequence[Unchanged], run_id: int | None
    ) -> list[IngestOutcome]:
        """Write the fetch times (and the run's count) of unchanged pages in one transaction.

        No reference lock is needed for one timestamp: the update touches a decision only if it
        still has the raw page the fetch was compared with; one that changed in the meantime is
        stored the usual, locked way instead.
        """
        if not pages:
            return []
        async with self._engine.begin() as conn:
            marked = await state.mark_fetched_many(
                conn, [(u.known.id, _raw_page_id(u.known), u.page.fetched_at) for u in pages]
            )
            touched = sum(u.known.id in marked for u in pages)
            if touched:
                await self._count(conn, run_id, FetchResult.UNCHANGED, touched)
        self._tallied(FetchResult.UNCHANGED, touched)
        outcomes = []
        for u in pages:
            if u.known.id in marked:
                outcomes.append(IngestOutcome(u.reference, FetchResult.UNCHANGED))
            else:
                outcomes.append(await self._store(u.reference, u.page, run_id))
        return outcomes

    async def resolve(self, reference: str) -> str | None:
        """Find a reference's permalink through the site's keyword search."""
        await self._client.prime()
        listing_page = await self._client.get(site.keyword_search_path(reference))
        if listing_page.status != 200:
            return None
        listing = await self._parser.listing(listing_page.text, url=listing_page.path)
        for item in listing.items:
            if item.reference == reference:
                return item.url
        return None

    async def _store(self, reference: str, page: Page, run_id: int | None) -> IngestOutcome:
        """Store one page in one transaction; it is parsed first, holding no lock or connection.

        A decision the database refuses (a constraint, a value too long, a deadlock that
        persists) fails alone: its transaction is rolled back whole, and it is recorded in
        `ingest_failure` (kind `store`, with the error and the raw page) in another, so the
        crawl goes on and a later crawl or `lgsco ingest` tries it again. A database that
        cannot be reached is not the decision's fault: that error propagates.
        """
        parsed = await self._parse(reference, page) if page.status == 200 else None
        for attempt in range(1, STORE_ATTEMPTS + 1):
            try:
                async with self._engine.begin() as conn:
                    outcome = await self._write(conn, reference, page, parsed, run_id)
                    await self._count(conn, run_id, outcome.result)
            except DBAPIError as exc:
                if connection_lost(exc):
                    raise
                if _sqlstate(exc) in _TRANSIENT and attempt < STORE_ATTEMPTS:
                    log.info("%s: %s; storing it again", reference, _sqlstate(exc))
                    continue
                return await self._store_failed(reference, page, run_id, exc)
            self._tallied(outcome.result)
            return outcome
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _parse(self, reference: str, page: Page) -> DecisionRecord | ParseError:
        """The page as a record, or why it cannot be read (the page is then quarantined).

        Parsed in a child process with limits (lgsco_ingest.parsebox); a page whose bytes
        already tripped a limit once is not parsed again, whatever the crawl or retry."""
        sha = pages.body_sha256(page.text)
        async with self._engine.connect() as conn:
            earlier = await pages.limit_reason(conn, reference, sha)
        if earlier is not None:
            log.info("%s: page quarantined before (%s); not parsed again", reference, earlier)
            return ParseLimit(earlier, url=page.path)
        try:
            record: DecisionRecord = await self._parser.decision(
                page.text, url=page.path, reference=reference
            )
        except ParseError as exc:
            return exc
        return record

    async def _store_failed(
        self, reference: str, page: Page, run_id: int | None, exc: DBAPIError
    ) -> IngestOutcome:
        """Record a decision the database refused, with the error and the page as fetched."""
        cause = getattr(exc.orig, "__cause__", None) or exc.orig or exc
        message = (str(cause).strip().splitlines() or [""])[0]
        reason = f"not stored: {type(cause).__name__} ({_sqlstate(exc)}): {message}"
        log.warning("%s %s", reference, reason)
        async with self._engine.begin() as conn:
            raw_page_id = (
                await pages.save_raw_page(conn, page, reference, reuse=True) if page.text else None
            )
            await pages.record_failure(
                conn,
                run_id=run_id,
                reference=reference,
                url=page.path,
                kind="store",
                reason=reason,
                raw_page_id=raw_page_id,
            )
            await self._count(conn, run_id, FetchResult.FAILED)
        self._tallied(FetchResult.FAILED)
        return IngestOutcome(reference, FetchResult.FAILED, reason)

    async def _write(
        self,
        conn: AsyncConnection,
        reference: str,
        page: Page,
        parsed: DecisionRecord | ParseError | None,
        run_id: int | None,
    ) -> IngestOutcome:
        """Store what one fetched page says, under the reference's lock, on `conn`."""
        await state.lock_reference(conn, reference)
        current = (await state.known(conn, [reference])).get(reference)
        if page.not_modified and current is not None:
            return IngestOutcome(reference, await state.seen_again(conn, current, page.fetched_at))
        if page.gone:
            return await self._gone(conn, reference, page, current, run_id)
        if current is not None and current.body_sha256 == pages.body_sha256(page.text):
            # Same bytes as last time: no re-parse.
            return IngestOutcome(reference, await state.seen_again(conn, current, page.fetched_at))
        if not isinstance(parsed, DecisionRecord):
            # A failed page is stored once per content: the same bytes again reuse its row.
            raw_page_id = await pages.save_raw_page(conn, page, reference, reuse=True)
            reason = parsed.reason if parsed else f"HTTP {page.status}: not a decision page"
            await pages.record_failure(
                conn,
                run_id=run_id,
                reference=reference,
                url=page.path,
                kind="limit" if isinstance(parsed, ParseLimit) else "parse",
                reason=reason,
                raw_page_id=raw_page_id,
            )
            return IngestOutcome(reference, FetchResult.FAILED, f"quarantined: {reason}")
        raw_page_id = await pages.save_raw_page(conn, page, reference)
        result = await decisions.upsert_decision(
            conn,
            parsed,
            raw_page_id=raw_page_id,
            seen_at=page.fetched_at,
            current=current,
            run_id=run_id,
        )
        return IngestOutcome(reference, result)

    async def _gone(
        self,
        conn: AsyncConnection,
        reference: str,
        page: Page,
        current: state.Known | None,
        run_id: int | None,
    ) -> IngestOutcome:
        """A 404/410: a stored decision is archived or withdrawn, an unknown one not found."""
        if current is None:
            await pages.record_failure(
                conn,
                run_id=run_id,
                reference=reference,
                url=page.path,
                kind="not_found",
                reason=f"HTTP {page.status}: not found on the site",
            )
            return IngestOutcome(reference, FetchResult.NOT_FOUND, "not found on the site")
        result = await state.mark_withdrawn(
            conn, current, on=page.fetched_at.date(), seen_at=page.fetched_at
        )
        return IngestOutcome(reference, result)

    async def _fail(
        self,
        run_id: int | None,
        reference: str,
        url: str,
        kind: str,
        reason: str,
        result: FetchResult = FetchResult.FAILED,
    ) -> None:
        async with self._engine.begin() as conn:
            await pages.record_failure(
                conn, run_id=run_id, reference=reference, url=url, kind=kind, reason=reason
            )
            await self._count(conn, run_id, result)
        self._tallied(result)


def _says_what_is_stored(known: state.Known, page: Page) -> bool:
    """A 304 to our conditional request, or the very bytes stored, of a published decision.

    A withdrawn decision (or one without a raw page) goes the locked way, as before.
    """
    if known.status != PublicationStatus.PUBLISHED or known.raw_page_id is None:
        return False
    if page.not_modified:
        return True
    return page.status == 200 and known.body_sha256 == pages.body_sha256(page.text)


def _sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE of a database error (asyncpg's, wrapped by SQLAlchemy's adapter)."""
    for candidate in (exc.orig, getattr(exc.orig, "__cause__", None)):
        code = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if isinstance(code, str):
            return code
    return None


def _raw_page_id(known: state.Known) -> int:
    assert known.raw_page_id is not None  # _says_what_is_stored
    return known.raw_page_id


def _permalink(link: str, site_url: str) -> str:
    """A link to a decision as a path without the display-preference query (`?displaypref=0`)."""
    return site_path(link, site_url).split("?", 1)[0]
