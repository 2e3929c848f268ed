"""Ingest one reference: resolve its page, fetch it politely, parse, normalise, store.

Each reference is one transaction: a decision is stored whole or not at all, and a page that
cannot be read is kept (raw) and quarantined with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco.ingest import normalise, site, store
from lgsco.ingest.fetch import FetchError, OffSiteURL, Page, SiteClient, site_path
from lgsco.ingest.sources.base import ParseError
from lgsco.ingest.sources.lgsco import parse_decision, parse_listing
from lgsco.shared.domain import FetchResult
from lgsco.shared.references import normalise as normalise_reference


@dataclass(frozen=True, slots=True)
class IngestOutcome:
    reference: str
    result: FetchResult
    reason: str | None = None

    def line(self) -> str:
        """One line of `lgsco ingest` output: `22 003 374  new`, `... failed: reason`."""
        tail = f": {self.reason}" if self.reason else ""
        return f"{self.reference}  {self.result.value}{tail}"


class Ingestor:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], client: SiteClient) -> None:
        self._sessionmaker = sessionmaker
        self._client = client

    async def ingest(
        self, reference: str, *, run_id: int | None = None, path: str | None = None
    ) -> IngestOutcome:
        """Fetch and store one decision; never raises for site or page problems.

        The run's count of the result is written in the same transaction as the result, so a
        worker killed at any point leaves counts that agree with what was stored.
        """
        return await self._ingest(normalise_reference(reference), run_id, path)

    async def _ingest(self, reference: str, run_id: int | None, path: str | None) -> IngestOutcome:
        async with self._sessionmaker() as session:
            known = await store.get_decision(session, reference)
            raw = await store.latest_raw_page(session, known.raw_page_id if known else None)
            permalink = known.permalink if known else None
        try:
            path = path or permalink or await self.resolve(reference)
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
            conditional = raw is not None and known is not None and known.permalink == path
            page = await self._client.get(
                path,
                etag=raw.etag if conditional and raw else None,
                last_modified=raw.last_modified if conditional and raw else None,
            )
        except (FetchError, OffSiteURL) as exc:
            unavailable = isinstance(exc, FetchError) and exc.status != 200
            reason = f"site unavailable: {exc}" if unavailable else str(exc)
            await self._fail(run_id, reference, path or "", "fetch", reason)
            return IngestOutcome(reference, FetchResult.FAILED, reason)
        except ParseError as exc:  # the search page could not be read
            await self._fail(run_id, reference, "", "parse", exc.reason)
            return IngestOutcome(reference, FetchResult.FAILED, exc.reason)
        return await self._store(reference, page, run_id)

    async def resolve(self, reference: str) -> str | None:
        """Find a reference's permalink through the site's keyword search."""
        await self._client.prime()
        listing_page = await self._client.get(site.keyword_search_path(reference))
        if listing_page.status != 200:
            return None
        listing = parse_listing(listing_page.text, url=listing_page.path)
        for item in listing.items:
            if item.reference == reference:
                return item.url
        return None

    async def _store(self, reference: str, page: Page, run_id: int | None) -> IngestOutcome:
        async with self._sessionmaker.begin() as session:
            outcome = await self._write(session, reference, page, run_id)
            if run_id is not None:
                await store.count_result(session, run_id, outcome.result)
            return outcome

    async def _write(
        self, session: AsyncSession, reference: str, page: Page, run_id: int | None
    ) -> IngestOutcome:
        """Store what one fetched page says, under the reference's lock, in `session`."""
        await store.lock_reference(session, reference)
        decision = await store.get_decision(session, reference)
        if page.not_modified and decision is not None:
            return IngestOutcome(
                reference, await store.mark_fetched(session, decision, page.fetched_at)
            )
        if page.gone:
            if decision is None:
                await store.record_failure(
                    session,
                    run_id=run_id,
                    reference=reference,
                    url=page.path,
                    kind="not_found",
                    reason=f"HTTP {page.status}: not found on the site",
                )
                return IngestOutcome(reference, FetchResult.NOT_FOUND, "not found on the site")
            result = await store.mark_withdrawn(
                session, decision, on=page.fetched_at.date(), seen_at=page.fetched_at
            )
            return IngestOutcome(reference, result)
        raw = await store.latest_raw_page(session, decision.raw_page_id if decision else None)
        if (
            decision is not None
            and raw is not None
            and raw.body_sha256 == store.body_sha256(page.text)
        ):
            # Same bytes as last time: no re-parse.
            return IngestOutcome(
                reference, await store.mark_fetched(session, decision, page.fetched_at)
            )
        saved = await store.save_raw_page(session, page, reference)
        try:
            parsed = parse_decision(page.text, url=page.path)
            if parsed.reference != reference:
                raise ParseError(f"page shows reference {parsed.reference}, expected {reference}")
        except ParseError as exc:
            await store.record_failure(
                session,
                run_id=run_id,
                reference=reference,
                url=page.path,
                kind="parse",
                reason=exc.reason,
                raw_page_id=saved.id,
            )
            return IngestOutcome(reference, FetchResult.FAILED, f"quarantined: {exc.reason}")
        record = normalise.decision(parsed, permalink=page.path)
        result = await store.upsert_decision(
            session, record, raw_page_id=saved.id, seen_at=page.fetched_at
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
        async with self._sessionmaker.begin() as session:
            await store.record_failure(
                session, run_id=run_id, reference=reference, url=url, kind=kind, reason=reason
            )
            if run_id is not None:
                await store.count_result(session, run_id, result)


def _permalink(link: str, site_url: str) -> str:
    """A link to a decision as a path without the display-preference query (`?displaypref=0`)."""
    return site_path(link, site_url).split("?", 1)[0]


def now() -> datetime:
    return datetime.now(UTC)
