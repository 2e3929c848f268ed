"""A crawl through 500s, 429s with Retry-After, stalls past the timeout and truncated bodies."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.crawl import CrawlError
from lgsco_shared.models import ListingFetch
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import corpus_site, window_of
from tests.fakesite.server import Faults
from tests.ingest.helpers import crawl, stored
from tests.ingest.test_crawl_corpus import assert_matches_truth


async def test_faulty_site_ends_with_every_decision_stored_once_and_right(
    decisions: list[CorpusEntry], sessionmaker: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    entries = decisions[:40]
    site = corpus_site(entries)
    site.faults = Faults(
        error_500=0.2,
        throttle_429=0.05,
        stall=0.05,
        truncate=0.05,
        stall_seconds=1.5,
        retry_after=1,
    )
    site.start()
    try:
        start, end = window_of(entries)
        report = await crawl(
            sessionmaker, redis, site, start, end, request_timeout=0.5, max_retries=8
        )
    finally:
        site.stop()
    decisions = await stored(sessionmaker)
    assert report.counts == {"new": len(entries)}
    for entry in entries:
        assert_matches_truth(decisions[entry.truth["ref"]], entry)
    assert site.statuses[500] > 0 and site.statuses[429] > 0  # faults happened and were retried


async def test_empty_search_shell_is_an_error_not_zero_decisions(
    decisions: list[CorpusEntry], sessionmaker: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    site = corpus_site(decisions[:5])
    site.search_shell = True
    site.start()
    try:
        start, end = window_of(decisions[:5])
        with pytest.raises(CrawlError, match="search shell"):
            await crawl(sessionmaker, redis, site, start, end)
    finally:
        site.stop()
    async with sessionmaker() as session:
        last = await session.scalar(select(ListingFetch).order_by(ListingFetch.id.desc()))
    assert last is not None and last.search_shell and last.result_count is None
    assert await stored(sessionmaker) == {}
