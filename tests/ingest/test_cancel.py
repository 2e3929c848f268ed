"""Cancelling a crawl: asked while it runs (DELETE /v1/jobs/{id}'s service), it stops at its next
checkpoint with status `cancelled`, keeping what it stored and where it was; a new run over the
same window resumes there and finishes. A queued run cancelled never starts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from lgsco_ingest import jobs
from lgsco_ingest.commands import crawl_window
from lgsco_shared import runcontrol
from lgsco_shared.domain import RunStatus
from lgsco_shared.embedded import ServiceUrls
from lgsco_shared.models import CrawlWindow, IngestRun
from tests.conftest import settings_for, truncate_all
from tests.fakesite.made_up import invented_decision
from tests.fakesite.server import FakeSite, Faults
from tests.ingest.helpers import stored
from tests.reliability.conftest import create_crawl_run

Maker = async_sessionmaker[AsyncSession]
MONTHS = [(2025, 1), (2025, 2), (2025, 3)]
PER_MONTH = 14  # two listing pages a month


@pytest.fixture(autouse=True)
async def emptied_after(database_url: str) -> AsyncIterator[None]:
    """These tests commit runs; later tests over the same database must not see them."""
    yield
    await truncate_all(database_url)


async def _run(maker: Maker, run_id: int) -> IngestRun:
    async with maker() as session:
        run = await session.get(IngestRun, run_id)
    assert run is not None
    return run


async def _pages_done(maker: Maker) -> int:
    async with maker() as session:
        windows = list(await session.scalars(select(CrawlWindow)))
    return sum(w.next_page - 1 for w in windows if w.completed_at is None) + sum(
        2 for w in windows if w.completed_at is not None
    )


async def _decisions_checkpointed(maker: Maker) -> int:
    """Decisions on the listing pages the windows record as read (ten a page)."""
    async with maker() as session:
        windows = list(await session.scalars(select(CrawlWindow)))
    return sum(
        PER_MONTH if w.completed_at is not None else min(PER_MONTH, (w.next_page - 1) * 10)
        for w in windows
    )


async def test_a_cancelled_crawl_stops_at_its_next_checkpoint_and_a_new_run_resumes_it(
    fake_site: FakeSite, sessionmaker: Maker, ctx: jobs.JobContext
) -> None:
    references = set()
    for m, (year, month) in enumerate(MONTHS):
        for i in range(PER_MONTH):
            decision = invented_decision(f"25 {m:03} {i:03}", date(year, month, 1 + i * 2))
            fake_site.add(decision)
            references.add(decision.reference)
    fake_site.faults = Faults(delay=0.05)  # slow enough to ask for the stop mid-crawl
    first = await create_crawl_run(sessionmaker, date(2025, 1, 1), date(2025, 3, 31))
    task = asyncio.create_task(jobs.run_ingest(ctx, first))
    while await _pages_done(sessionmaker) < 1:  # the first listing page is checkpointed
        assert not task.done()
        await asyncio.sleep(0.02)
    async with sessionmaker() as session:
        asked = await runcontrol.cancel_run(session, first, by="ops")
    assert asked is not None and asked.status == RunStatus.RUNNING  # it stops by itself
    assert await asyncio.wait_for(task, 30) == RunStatus.CANCELLED.value

    run = await _run(sessionmaker, first)
    assert (run.status, run.cancelled_by, run.error) == (RunStatus.CANCELLED, "ops", None)
    assert run.finished_at is not None
    kept = set(await stored(sessionmaker))
    # Stopped at a checkpoint: it stored exactly the pages its windows record as done.
    assert 0 < len(kept) < len(references)
    assert len(kept) == await _decisions_checkpointed(sessionmaker)
    assert sum(run.counts.get(k, 0) for k in ("new", "changed", "unchanged")) == len(kept)
    pages_before = await _pages_done(sessionmaker)
    assert pages_before < 2 * len(MONTHS)

    # The same request again is a new run (the cancelled one is not active): it resumes.
    second = await create_crawl_run(sessionmaker, date(2025, 1, 1), date(2025, 3, 31))
    assert second != first
    fake_site.faults = Faults()
    requests_before = sum(fake_site.requests.values())
    assert await jobs.run_ingest(ctx, second) == RunStatus.SUCCEEDED.value
    assert set(await stored(sessionmaker)) == references
    resumed = await _run(sessionmaker, second)
    assert resumed.counts.get("new", 0) == len(references) - len(kept)
    # Pages the cancelled run finished are not fetched again: fewer listing pages than six.
    listings = sum(n for url, n in fake_site.requests.items() if "fd=" in url and "td=" in url)
    assert listings <= 2 * len(MONTHS) * 2  # both runs together read each page at most twice
    assert sum(fake_site.requests.values()) - requests_before < len(references) + 2 * len(MONTHS)


async def test_a_queued_run_cancelled_before_it_starts_does_nothing(
    fake_site: FakeSite, sessionmaker: Maker, ctx: jobs.JobContext
) -> None:
    fake_site.add(invented_decision("25 000 001", date(2025, 1, 3)))
    run_id = await create_crawl_run(sessionmaker, date(2025, 1, 1), date(2025, 1, 31))
    async with sessionmaker() as session:
        cancelled = await runcontrol.cancel_run(session, run_id, by="ops")
    assert cancelled is not None and cancelled.status == RunStatus.CANCELLED
    assert await jobs.run_ingest(ctx, run_id) == "nothing to do"
    assert await stored(sessionmaker) == {}
    assert not any("fd=" in url for url in fake_site.requests)
    run = await _run(sessionmaker, run_id)
    assert run.started_at is None and run.attempts == 0


async def test_a_crawl_from_the_command_line_can_be_cancelled_too(
    fake_site: FakeSite, sessionmaker: Maker, database_url: str, redis_url: str
) -> None:
    for m, (year, month) in enumerate(MONTHS):
        for i in range(PER_MONTH):
            fake_site.add(invented_decision(f"25 {m:03} {i:03}", date(year, month, 1 + i * 2)))
    fake_site.faults = Faults(delay=0.05)
    said: list[str] = []
    crawl = asyncio.create_task(
        crawl_window(
            settings_for(fake_site.url),
            ServiceUrls(database_url, redis_url),
            date(2025, 1, 1),
            date(2025, 3, 31),
            None,
            echo=said.append,
        )
    )
    while await _pages_done(sessionmaker) < 1:
        assert not crawl.done()
        await asyncio.sleep(0.02)
    async with sessionmaker() as session:
        [run_id] = list(await session.scalars(select(IngestRun.id)))
        await runcontrol.cancel_run(session, run_id, by="ops")
    assert await asyncio.wait_for(crawl, 30) is False
    assert said == [
        f"crawl cancelled: run {run_id} was cancelled (run it again to resume where it stopped)"
    ]
    run = await _run(sessionmaker, run_id)
    assert run.status == RunStatus.CANCELLED and run.finished_at is not None
    assert 0 < len(await stored(sessionmaker)) < len(MONTHS) * PER_MONTH


async def test_a_run_whose_worker_died_after_the_cancel_ends_cancelled_when_resumed(
    fake_site: FakeSite, sessionmaker: Maker, ctx: jobs.JobContext
) -> None:
    fake_site.add(invented_decision("25 000 001", date(2025, 1, 3)))
    run_id = await create_crawl_run(sessionmaker, date(2025, 1, 1), date(2025, 1, 31))
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    async with sessionmaker.begin() as session:  # running, then its worker died
        await session.execute(
            update(IngestRun)
            .where(IngestRun.id == run_id)
            .values(status=RunStatus.RUNNING, started_at=long_ago, heartbeat_at=long_ago)
        )
    async with sessionmaker() as session:
        asked = await runcontrol.cancel_run(session, run_id, by="ops")
    assert asked is not None and asked.status == RunStatus.RUNNING
    assert await jobs.run_ingest(ctx, run_id) == RunStatus.CANCELLED.value  # the resume
    run = await _run(sessionmaker, run_id)
    assert run.status == RunStatus.CANCELLED and run.finished_at is not None
    assert await stored(sessionmaker) == {}
