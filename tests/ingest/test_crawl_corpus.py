"""Crawl the whole corpus from the fake site, in all three markup shapes, and check every field."""

from __future__ import annotations

from datetime import date

import pytest
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_shared.domain import OUTCOME_LABELS, PublicationStatus
from lgsco_shared.models import CrawlWindow, DecisionVersion, RawPage
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import corpus_site, window_of
from tests.ingest.helpers import count, crawl, stored


def slug_words(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def assert_matches_truth(decision: object, entry: CorpusEntry) -> None:
    truth = entry.truth
    d = decision
    assert [o.name for o in d.organisations] == [truth["organisation"]]  # type: ignore[attr-defined]
    assert d.summary == truth["summary"]  # type: ignore[attr-defined]
    assert d.outcome_label == truth["decision"]  # type: ignore[attr-defined]
    expected_outcome = OUTCOME_LABELS[truth["decision"].lower()] if truth["decision"] else None
    assert d.outcome == expected_outcome  # type: ignore[attr-defined]
    expected_date = date.fromisoformat(truth["decision_date"]) if truth["decision_date"] else None
    assert d.decided_on == expected_date  # type: ignore[attr-defined]
    if truth["has_header"]:
        assert d.category == truth["category"]  # type: ignore[attr-defined]
        assert d.subcategory == truth["subcategory"]  # type: ignore[attr-defined]
    else:  # no header on the page: read from the URL slugs, with a warning saying so
        assert d.category.lower() == slug_words(truth["category_slug"]).lower()  # type: ignore[attr-defined]
        assert d.subcategory.lower() == slug_words(truth["subcategory_slug"]).lower()  # type: ignore[attr-defined]
        assert any("url" in w.lower() for w in d.parse_warnings)  # type: ignore[attr-defined]
    assert d.permalink == entry.path  # type: ignore[attr-defined]
    assert "Back to top" not in d.body_text  # type: ignore[attr-defined]


@pytest.mark.parametrize("shape", ["site", "dl", "flat"])
async def test_crawl_stores_every_decision_with_every_field_right(
    shape: str,
    corpus: list[CorpusEntry],
    sessionmaker: async_sessionmaker[AsyncSession],
    redis: Redis,
) -> None:
    site = corpus_site(corpus, shape=shape)
    site.start()
    try:
        start, end = window_of(corpus)
        report = await crawl(sessionmaker, redis, site, start, end)
        decisions = await stored(sessionmaker)
        assert dict(report.counts) == {"new": len(corpus)}
        assert len(decisions) == len(corpus)
        for entry in corpus:
            assert_matches_truth(decisions[entry.truth["ref"]], entry)
            assert decisions[entry.truth["ref"]].status == PublicationStatus.PUBLISHED

        # A second crawl of the unchanged site changes nothing.
        pages_before = await count(sessionmaker, RawPage)
        await _reset_windows(sessionmaker)
        again = await crawl(sessionmaker, redis, site, start, end)
        assert again.counts == {"unchanged": len(corpus)}
        assert await count(sessionmaker, RawPage) == pages_before
        assert await count(sessionmaker, DecisionVersion) == len(corpus)
        after = await stored(sessionmaker)
        assert {r: d.content_hash for r, d in after.items()} == {
            r: d.content_hash for r, d in decisions.items()
        }
    finally:
        site.stop()


async def _reset_windows(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    from sqlalchemy import update

    async with sessionmaker.begin() as session:
        await session.execute(update(CrawlWindow).values(completed_at=None, next_page=1))


class Interrupted(Exception):
    pass


async def test_interrupted_crawl_resumes_without_duplicates(
    corpus: list[CorpusEntry], sessionmaker: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    site = corpus_site(corpus)
    site.start()
    seen = 0

    def stop_after_25(_: object) -> None:
        nonlocal seen
        seen += 1
        if seen == 25:
            raise Interrupted

    try:
        start, end = window_of(corpus)
        with pytest.raises(Interrupted):
            await crawl(
                sessionmaker, redis, site, start, end, concurrency=1, progress=stop_after_25
            )
        partial = await count(sessionmaker, CrawlWindow)
        assert 0 < len(await stored(sessionmaker)) < len(corpus)
        report = await crawl(sessionmaker, redis, site, start, end)
        decisions = await stored(sessionmaker)
        assert len(decisions) == len(corpus)
        assert await count(sessionmaker, DecisionVersion) == len(corpus)
        # Windows completed before the interruption were not crawled again.
        assert report.windows_skipped >= partial - 1
    finally:
        site.stop()
