"""Unchanged pages are recorded together (one transaction per listing page), and never over a
change stored in the meantime."""

from __future__ import annotations

from dataclasses import replace

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from lgsco_ingest.crawl import Crawler
from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.pipeline import Ingestor, Unchanged
from lgsco_ingest.worker import site_client
from lgsco_shared import runs
from lgsco_shared.domain import FetchResult, RunKind
from lgsco_shared.models import Decision, DecisionVersion, IngestRun, RawPage
from tests.conftest import settings_for
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import corpus_site, fake_decision, window_of
from tests.fakesite.server import FakeSite
from tests.ingest.helpers import count, stored
from tests.ingest.test_fetch_states import Maker


async def fetched_at(sessionmaker: Maker) -> dict[str, object]:
    async with sessionmaker() as session:
        rows = await session.execute(select(Decision.reference, Decision.last_fetched_at))
        return {reference: at for reference, at in rows}


async def test_a_recrawl_records_every_unchanged_page_and_counts_it_in_the_run(
    decisions: list[CorpusEntry], sessionmaker: Maker, redis: Redis
) -> None:
    entries = decisions[:25]
    site = corpus_site(entries)
    site.start()
    client = site_client(settings_for(site.url), redis, rate_limited=False)
    try:
        start, end = window_of(entries)
        crawler = Crawler(sessionmaker, client, concurrency=4)
        await crawler.crawl(start, end)
        before = await fetched_at(sessionmaker)
        async with sessionmaker.begin() as session:
            run, _ = await runs.find_or_create(
                session, kind=RunKind.CRAWL, job_key="again", params={}
            )
        report = await crawler.crawl(start, end, refresh=True, run_id=run.id)
    finally:
        await client.aclose()
        site.stop()
    assert report.counts == {"unchanged": len(entries)}
    after = await fetched_at(sessionmaker)
    assert after.keys() == before.keys() and all(after[r] > before[r] for r in after)  # type: ignore[operator]
    async with sessionmaker() as session:
        recorded = await session.get(IngestRun, run.id)
        assert recorded is not None and recorded.counts == {"unchanged": len(entries)}
    assert await count(sessionmaker, RawPage) == len(entries)


@pytest.fixture
def entry(decisions: list[CorpusEntry]) -> CorpusEntry:
    return next(e for e in decisions if e.truth["has_header"] and e.truth["decision"] == "Upheld")


async def test_an_unchanged_page_is_not_recorded_over_a_change_stored_meanwhile(
    entry: CorpusEntry, fake_site: FakeSite, client: SiteClient, sessionmaker: Maker
) -> None:
    ref = entry.truth["ref"]
    fake_site.add(fake_decision(entry))
    ingestor = Ingestor(sessionmaker, client)
    assert (await ingestor.ingest(ref)).result == FetchResult.NEW
    # A crawl reads what is stored and fetches the page (unconditionally here, so that the page
    # itself can be stored later): it has the very bytes stored ...
    known = replace((await ingestor.known([ref]))[ref], etag=None, last_modified=None)
    fetched = await ingestor.fetch_and_store(ref, run_id=None, path=None, known=known)
    assert isinstance(fetched, Unchanged)
    # ... but before it records that, another worker stores a changed page.
    changed = fake_decision(entry)
    changed.html = changed.html.replace(
        entry.truth["summary"][:40], "Amended: " + entry.truth["summary"][:40]
    )
    fake_site.add(changed)
    assert (await ingestor.ingest(ref)).result == FetchResult.CHANGED
    # The stale "unchanged" goes the locked way: the page it fetched differs from what is now
    # stored, so it is stored as what the site said then (version 3), not lost or miscounted.
    [outcome] = await ingestor.record_unchanged([fetched], run_id=None)
    assert outcome.result == FetchResult.CHANGED
    decision = (await stored(sessionmaker))[ref]
    assert decision.version == 3 and decision.summary == entry.truth["summary"]
    assert await count(sessionmaker, DecisionVersion) == 3


async def test_single_ingest_of_an_unchanged_page_still_counts_in_its_run(
    entry: CorpusEntry, fake_site: FakeSite, client: SiteClient, sessionmaker: Maker
) -> None:
    fake_site.add(fake_decision(entry))
    ingestor = Ingestor(sessionmaker, client)
    await ingestor.ingest(entry.truth["ref"])
    async with sessionmaker.begin() as session:
        run, _ = await runs.find_or_create(
            session, kind=RunKind.INGEST_REFERENCE, job_key="one", params={}
        )
    outcome = await ingestor.ingest(entry.truth["ref"], run_id=run.id)
    assert outcome.result == FetchResult.UNCHANGED and fake_site.statuses[304] == 1
    async with sessionmaker() as session:
        recorded = await session.get(IngestRun, run.id)
        assert recorded is not None and recorded.counts == {"unchanged": 1}


async def test_a_page_with_new_chrome_only_is_stored_once_then_fetched_conditionally(
    entry: CorpusEntry, fake_site: FakeSite, client: SiteClient, sessionmaker: Maker
) -> None:
    ref = entry.truth["ref"]
    fake_site.add(fake_decision(entry))
    ingestor = Ingestor(sessionmaker, client)
    await ingestor.ingest(ref)
    rechromed = fake_decision(entry)
    rechromed.html = rechromed.html.replace("</body>", "<!-- new footer --></body>")
    fake_site.add(rechromed)
    assert (await ingestor.ingest(ref)).result == FetchResult.UNCHANGED  # same content
    assert await count(sessionmaker, RawPage) == 2 and fake_site.statuses[304] == 0
    # The new bytes are now the decision's raw page: the next fetch is a 304, nothing stored.
    assert (await ingestor.ingest(ref)).result == FetchResult.UNCHANGED
    assert await count(sessionmaker, RawPage) == 2 and fake_site.statuses[304] == 1
    assert await count(sessionmaker, DecisionVersion) == 1
