"""One reference through the pipeline against the fake site: every state it can end in."""

from __future__ import annotations

from datetime import date

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest.fetch import SiteClient
from lgsco_ingest.pipeline import Ingestor
from lgsco_ingest.worker import site_client
from lgsco_shared.domain import ARCHIVE_AFTER_DAYS, FetchResult, PublicationStatus
from lgsco_shared.models import Decision, DecisionVersion, IngestFailure, RawPage
from tests.conftest import settings_for
from tests.fakesite.corpus import CorpusEntry
from tests.fakesite.corpus_site import fake_decision
from tests.fakesite.server import FakeSite
from tests.ingest.helpers import count, stored

Maker = async_sessionmaker[AsyncSession]


@pytest.fixture
def entry(decisions: list[CorpusEntry]) -> CorpusEntry:
    return next(e for e in decisions if e.truth["has_header"] and e.truth["decision"] == "Upheld")


async def test_unknown_permalink_is_found_through_the_search(
    entry: CorpusEntry, fake_site: FakeSite, client: SiteClient, sessionmaker: Maker
) -> None:
    fake_site.add(fake_decision(entry))
    outcome = await Ingestor(sessionmaker, client).ingest(entry.truth["ref"].replace(" ", "-"))
    assert outcome.result == FetchResult.NEW
    assert outcome.line() == f"{entry.truth['ref']}  new"
    assert (await stored(sessionmaker))[entry.truth["ref"]].permalink == entry.path
    assert fake_site.requests[f"{fake_site.url}/decisions"] == 1  # session primed once


async def test_unchanged_page_costs_no_reparse_and_changed_page_is_a_new_version(
    entry: CorpusEntry, fake_site: FakeSite, client: SiteClient, sessionmaker: Maker
) -> None:
    fake_site.add(fake_decision(entry))
    ingestor = Ingestor(sessionmaker, client)
    assert (await ingestor.ingest(entry.truth["ref"])).result == FetchResult.NEW
    assert (await ingestor.ingest(entry.truth["ref"])).result == FetchResult.UNCHANGED
    assert fake_site.statuses[304] == 1
    assert await count(sessionmaker, RawPage) == 1

    changed = fake_decision(entry)
    changed.html = changed.html.replace(
        entry.truth["summary"][:40], "Amended: " + entry.truth["summary"][:40]
    )
    fake_site.add(changed)
    assert (await ingestor.ingest(entry.truth["ref"])).result == FetchResult.CHANGED
    decision = (await stored(sessionmaker))[entry.truth["ref"]]
    assert decision.version == 2
    assert decision.summary.startswith("Amended: ")
    assert await count(sessionmaker, RawPage) == 2  # both pages kept
    assert await count(sessionmaker, DecisionVersion) == 2


async def test_page_that_becomes_410_is_marked_withdrawn_not_deleted(
    entry: CorpusEntry, fake_site: FakeSite, client: SiteClient, sessionmaker: Maker
) -> None:
    fake_site.add(fake_decision(entry))
    ingestor = Ingestor(sessionmaker, client)
    await ingestor.ingest(entry.truth["ref"])
    fake_site.gone.add(entry.path)
    outcome = await ingestor.ingest(entry.truth["ref"])
    # Gone at five years or more after its decision date, a decision has aged out (archived);
    # sooner, it was withdrawn.
    decision = (await stored(sessionmaker))[entry.truth["ref"]]
    assert decision.decided_on is not None
    aged_out = (date.today() - decision.decided_on).days >= ARCHIVE_AFTER_DAYS
    expected = PublicationStatus.ARCHIVED if aged_out else PublicationStatus.WITHDRAWN
    assert outcome.result == FetchResult(expected.value)
    assert decision.status == expected
    assert decision.withdrawn_on is not None
    assert decision.summary == entry.truth["summary"]  # nothing lost


async def test_reference_never_seen_is_not_found_distinct_from_site_unavailable(
    fake_site: FakeSite, client: SiteClient, sessionmaker: Maker, redis: Redis
) -> None:
    missing = await Ingestor(sessionmaker, client).ingest("99 999 999")
    assert missing.result == FetchResult.NOT_FOUND
    assert missing.reason == "not found on the site"

    down = site_client(settings_for("http://127.0.0.1:9", max_retries=1), redis)
    try:
        unavailable = await Ingestor(sessionmaker, down).ingest("99 999 998")
    finally:
        await down.aclose()
    assert unavailable.result == FetchResult.FAILED
    assert unavailable.reason is not None and unavailable.reason.startswith("site unavailable")
    async with sessionmaker() as session:
        kinds = {f.reference: f.kind for f in await session.scalars(select(IngestFailure))}
    assert kinds == {"99 999 999": "not_found", "99 999 998": "fetch"}


async def test_page_that_is_not_a_decision_is_quarantined_with_its_raw_page(
    entry: CorpusEntry, fake_site: FakeSite, client: SiteClient, sessionmaker: Maker
) -> None:
    broken = fake_decision(entry)
    broken.html = "<html><body><article id='article'><p>Maintenance</p></article></body></html>"
    fake_site.add(broken)
    outcome = await Ingestor(sessionmaker, client).ingest(entry.truth["ref"], path=entry.path)
    assert outcome.result == FetchResult.FAILED
    assert outcome.reason is not None and outcome.reason.startswith("quarantined")
    assert await count(sessionmaker, Decision) == 0
    async with sessionmaker() as session:
        failure = await session.scalar(select(IngestFailure))
        assert failure is not None and failure.kind == "parse" and failure.raw_page_id is not None
        raw = await session.get(RawPage, failure.raw_page_id)
        assert raw is not None and "Maintenance" in raw.body()
