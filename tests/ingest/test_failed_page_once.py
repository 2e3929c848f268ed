"""A page that cannot be stored as a decision is kept once per content: each later crawl that
meets the same bytes records its failure against the page already kept, instead of another copy
(a hostile or broken page fetched daily would otherwise grow `raw_page` without end)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest import jobs
from lgsco_ingest.pipeline import Ingestor
from lgsco_shared.domain import FetchResult
from lgsco_shared.models import IngestFailure, RawPage
from tests.fakesite.made_up import invented_decision
from tests.fakesite.server import FakeSite

NOT_A_DECISION = "<html><body><h1>Service unavailable</h1><p>Please try later.</p></body></html>"


async def test_the_same_failed_page_is_kept_once_and_a_changed_one_again(
    fake_site: FakeSite, sessionmaker: async_sessionmaker[AsyncSession], ctx: jobs.JobContext
) -> None:
    page = invented_decision("25 000 950", date(2025, 3, 3))
    page.html = NOT_A_DECISION
    fake_site.add(page)
    ingestor = Ingestor(sessionmaker, ctx["client"])
    for _ in range(3):
        outcome = await ingestor.ingest("25 000 950", path=page.path)
        assert outcome.result == FetchResult.FAILED
        assert outcome.reason is not None and outcome.reason.startswith("quarantined: ")
    page.html = NOT_A_DECISION.replace("later", "again later")
    await ingestor.ingest("25 000 950", path=page.path)
    async with sessionmaker() as session:
        kept = await session.scalar(select(func.count()).select_from(RawPage))
        failures = list(await session.scalars(select(IngestFailure).order_by(IngestFailure.id)))
    assert kept == 2  # the first bytes once, the changed bytes once
    assert [f.kind for f in failures] == ["parse"] * 4
    assert len({f.raw_page_id for f in failures[:3]}) == 1
    assert failures[3].raw_page_id != failures[0].raw_page_id
